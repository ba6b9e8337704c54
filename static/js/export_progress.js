// Polls an export job's JSON status while it runs and moves the progress bar;
// when the file is ready, shows the download link; a failed job reloads the
// page for the server-rendered message.
// Loaded as a static file: the Content Security Policy allows no inline script.
(function () {
  "use strict";
  var bar = document.getElementById("export-progress");
  if (!bar) {
    return;
  }
  var label = document.getElementById("export-progress-label");
  var link = document.getElementById("export-download");
  var status = document.getElementById("export-status");
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
        if (!data.done) {
          window.setTimeout(poll, 1000);
        } else if (data.download_url && link) {
          link.setAttribute("href", data.download_url);
          link.classList.remove("hidden");
          if (status) {
            status.setAttribute("data-status", data.status);
          }
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }

  poll();
})();
