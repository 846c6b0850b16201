// Charts of the coordinator overview. Data come from json_script blocks; no inline scripts.
document.addEventListener("DOMContentLoaded", () => {
  const aligned = document.getElementById("alignment-data");
  const alignedCanvas = document.getElementById("alignment-chart");
  if (aligned && alignedCanvas && typeof Chart !== "undefined") {
    const points = JSON.parse(aligned.textContent);
    new Chart(alignedCanvas, {
      type: "line",
      data: {
        labels: points.map((p) => p.month),
        datasets: [{ label: "Aligned", data: points.map((p) => p.aligned), borderColor: "#0b5cab", backgroundColor: "#0b5cab", stepped: false }],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }
  const source = document.getElementById("gaps-data");
  const canvas = document.getElementById("gaps-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const gaps = JSON.parse(source.textContent);
  // A row per measure, every one labelled (Chart.js would skip labels in a short box), and a
  // measure's long title shortened to fit beside its bar: the whole title is in the tooltip and
  // the table below.
  canvas.parentElement.style.height = `${Math.max(160, gaps.length * 26 + 40)}px`;
  const LABEL = 34;
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
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0 } },
        y: {
          ticks: {
            autoSkip: false,
            callback(value) {
              const label = this.getLabelForValue(value);
              return label.length > LABEL ? `${label.slice(0, LABEL - 1).trimEnd()}\u2026` : label;
            },
          },
        },
      },
    },
  });
});
