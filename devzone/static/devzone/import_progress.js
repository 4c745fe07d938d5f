// The confirmation of a large import: while the server works, a progress bar shows
// how many rows it has processed, read once a second from the form's data-progress.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const url = form.dataset.progress;
  const box = form.querySelector(".import-progress");
  if (!url || !box || form.dataset.polling) {
    return;
  }
  form.dataset.polling = "1";
  const bar = box.querySelector("progress");
  const text = box.querySelector(".import-progress-text");
  box.hidden = false;
  function show(progress) {
    if (!progress || !progress.total) {
      return;
    }
    bar.max = progress.total;
    bar.value = progress.done;
    text.textContent = "正在导入：已处理 " + progress.done + " / 共 " +
      progress.total + " 行，请勿关闭页面";
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(show)
      .catch(function () {})
      .finally(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 1000);
});
// The browser keeps a page it goes back to: a new confirmation polls again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    delete form.dataset.polling;
    form.querySelectorAll(".import-progress").forEach(function (box) { box.hidden = true; });
  });
});
