// 圈子 quanzi — filter pages: select-all in the review queue, selects that submit themselves.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll('#requests input[name="ids"]').forEach(function (box) {
          box.checked = all.checked;
        });
      });
    }
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
