// The editor's live preview: the server renders and sanitises the Markdown
// (the same code that renders the saved post), so the preview is what readers will see.
(function () {
  var form = document.getElementById("editor");
  if (!form) return;
  var body = form.querySelector("textarea[name=body]");
  var preview = document.getElementById("preview");
  var status = form.querySelector("select[name=status]");
  var publishAt = form.querySelector(".publish-at");
  var token = document.querySelector("meta[name=csrf-token]").content;
  var timer = null;
  var latest = 0;

  function render() {
    var ticket = ++latest;
    fetch(form.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"},
      body: JSON.stringify({body: body.value})
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      if (ticket !== latest) return;  // an older request answered late
      if (result.ok) {
        preview.innerHTML = result.data.html;  // sanitised by the server (nh3)
      } else {
        preview.textContent = result.data.message || "The preview is not available.";
      }
    }).catch(function () {
      if (ticket === latest) preview.textContent = "The preview is not available right now.";
    });
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(render, 250);
  });
  function toggleSchedule() { publishAt.hidden = status.value !== "scheduled"; }
  status.addEventListener("change", toggleSchedule);
  toggleSchedule();
  if (body.value && !preview.innerHTML.trim()) render();
})();
