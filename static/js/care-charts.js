// Charts of the coordinator overview. Data come from json_script blocks; no inline scripts.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("gaps-data");
  const canvas = document.getElementById("gaps-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const gaps = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: gaps.map((g) => g.label),
      datasets: [{ label: "Open gaps", data: gaps.map((g) => g.n), backgroundColor: "#0b5cab" }],
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
});
