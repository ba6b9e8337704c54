// Polls the import batch's JSON status while it runs and moves the progress bar;
// reloads the page for the server-rendered summary when the batch is done.
// Loaded as a static file: the Content Security Policy allows no inline script.
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar) {
    return;
  }
  var label = document.getElementById("import-progress-label");
  var url = bar.getAttribute("data-status-url");

  function show(percent) {
    bar.value = percent;
    bar.textContent = percent + " %";
    if (label) {
      label.textContent = percent + " %";
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data.progress);
        if (data.done) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }

  poll();
})();
