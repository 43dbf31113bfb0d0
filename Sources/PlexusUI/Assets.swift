/// The stylesheet and the small script the pages load from the binary itself: no CDN, no internet. The pages work
/// without the script; it adds sorting by a click on a column header (tables without server-side sorting) and marks
/// pictures that did not decode.
enum Assets {
    static let css = """
        body { font-family: system-ui, sans-serif; margin: 0; color: #222; }
        nav { background: #1f3b57; padding: 8px 16px; } nav a { color: white; font-weight: bold; text-decoration: none; }
        main { padding: 8px 16px 40px; } h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 1.6em; } h3 { font-size: 1em; }
        table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
        th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
        th { background: #f3f5f7; } th a { color: inherit; }
        td.empty { color: #888; font-style: italic; }
        a.csv { font-size: 12px; font-weight: normal; margin-left: 8px; }
        .status.running { color: #b36b00; font-weight: bold; } .status.failed { color: #b00020; } .status.interrupted { color: #7a5c00; }
        .status.completed { color: #1b7a2e; }
        pre { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 360px; font-size: 12px; }
        form.filters, form.smoothing { margin: 8px 0; display: flex; gap: 10px; flex-wrap: wrap; align-items: center; }
        .charts, .side-by-side { display: flex; flex-wrap: wrap; gap: 12px; } figure.chart { margin: 0; }
        .matrix td { text-align: right; min-width: 28px; } .matrix a.cell { font-weight: bold; }
        img.thumb { width: 56px; height: 56px; image-rendering: pixelated; border: 1px solid #ccc; }
        img.heatmap { height: 64px; image-rendering: pixelated; } img.artifact { max-width: 480px; max-height: 360px; }
        img.broken { outline: 2px solid #b00020; }
        .thumbs { display: flex; flex-wrap: wrap; gap: 6px; } .thumbs figure { margin: 0; text-align: center; font-size: 11px; }
        p.footer { font-size: 12px; color: #555; }
        """

    static let javascript = """
        // Sorting by a click on a header that is not a link (those sort on the server), numbers as numbers.
        document.querySelectorAll('table.sortable').forEach(function (table) {
          table.querySelectorAll('thead th').forEach(function (header, column) {
            if (header.querySelector('a')) return;
            header.style.cursor = 'pointer';
            header.title = 'sort by this column';
            header.addEventListener('click', function () {
              var body = table.tBodies[0], rows = Array.from(body.rows);
              var ascending = header.dataset.sorted !== 'asc';
              var key = function (row) {
                var text = row.cells[column] ? row.cells[column].innerText.trim() : '';
                var number = Number(text);
                return text === '' || isNaN(number) ? text : number;
              };
              rows.sort(function (a, b) {
                var x = key(a), y = key(b);
                var order = (typeof x === typeof y) ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === 'number' ? -1 : 1);
                return ascending ? order : -order;
              });
              rows.forEach(function (row) { body.appendChild(row); });
              header.dataset.sorted = ascending ? 'asc' : 'desc';
            });
          });
        });
        // Each picture records its decoded width; one that failed to decode is outlined.
        document.querySelectorAll('img').forEach(function (image) {
          var mark = function () {
            image.dataset.naturalWidth = String(image.naturalWidth);
            if (image.naturalWidth === 0) image.classList.add('broken');
          };
          if (image.complete) mark(); else { image.addEventListener('load', mark); image.addEventListener('error', mark); }
        });
        """
}
