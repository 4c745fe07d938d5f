// A form marked data-busy shows "正在处理…" and cannot be sent twice while the
// server works (an import of 20,000 rows takes several seconds).
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (!form.matches("form[data-busy]")) {
    return;
  }
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  form.querySelectorAll("[type=submit]").forEach(function (button) {
    // Disabled after the browser has read the button's own name and value.
    setTimeout(function () { button.disabled = true; }, 0);
  });
  const note = form.querySelector(".busy-note");
  if (note) {
    note.hidden = false;
  }
});
// The browser keeps a page it goes back to: let its form be sent again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    delete form.dataset.sent;
    form.querySelectorAll("[type=submit]").forEach(function (b) { b.disabled = false; });
    form.querySelectorAll(".busy-note").forEach(function (n) { n.hidden = true; });
  });
});
