// Requests that an element sends by itself on a timer (hx-trigger="every 1s") are marked, so
// they do not keep an unattended session alive (core/sessions.py).
document.addEventListener("htmx:configRequest", function (event) {
  var trigger = event.detail.elt && event.detail.elt.getAttribute("hx-trigger");
  if (trigger && /^\s*every\s/.test(trigger)) {
    event.detail.headers["X-Idle-Poll"] = "1";
  }
});
