#pragma once
// The inline stylesheet and script of report.html. Kept apart from the
// writer so the markup code stays readable. No external resources: the page
// works offline and from a CI artifact.

namespace crashlab::reports {

inline constexpr const char* kHtmlStyle = R"CSS(
:root{--bg:#f5f6f8;--card:#fff;--ink:#1d2330;--muted:#667085;--line:#e3e6ec;--ok:#16794c;--ok-bg:#e5f5ec;
--bad:#b42318;--bad-bg:#fdecea;--warn:#b54708;--warn-bg:#fef4e6;--blue:#1d4ed8;--blue-bg:#e8efff;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:#111827;color:#f9fafb;padding:20px 32px}
header h1{margin:0 0 4px;font-size:20px;font-weight:600;letter-spacing:.2px}
header .sub{color:#9ca3af;font-size:13px}
main{max-width:1280px;margin:0 auto;padding:20px 32px 48px}
.banner{border-radius:10px;padding:14px 18px;margin:0 0 18px;font-weight:600;font-size:15px;display:flex;gap:10px;align-items:center}
.banner.ok{background:var(--ok-bg);color:var(--ok)} .banner.bad{background:var(--bad-bg);color:var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.card .n{font-size:22px;font-weight:650} .card .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
.card.bad .n{color:var(--bad)}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin-bottom:18px}
section h2{margin:0 0 12px;font-size:16px}
dl.meta{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:4px 14px;margin:0;font-size:13px}
dl.meta dt{color:var(--muted)} dl.meta dd{margin:0;font-family:var(--mono);font-size:12.5px;word-break:break-all}
.controls{display:flex;gap:14px;align-items:center;margin-bottom:10px;flex-wrap:wrap}
.controls input[type=search]{padding:6px 10px;border:1px solid var(--line);border-radius:6px;min-width:260px;font:inherit}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;color:var(--muted);font-weight:600;font-size:12px;border-bottom:1px solid var(--line);padding:6px 8px;white-space:nowrap}
td{border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:top}
#scenarios td:first-child{min-width:190px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.mono,code,pre{font-family:var(--mono);font-size:12.5px}
.pill{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;white-space:nowrap}
.pill.pass{background:var(--ok-bg);color:var(--ok)} .pill.fail{background:var(--bad-bg);color:var(--bad)}
.pill.error{background:var(--warn-bg);color:var(--warn)} .pill.caught{background:var(--blue-bg);color:var(--blue)}
.chip{display:inline-block;border:1px solid var(--line);border-radius:6px;padding:0 6px;margin:1px 2px;font-size:11.5px;white-space:nowrap}
.chip.bad{border-color:#f3b8b2;background:var(--bad-bg);color:var(--bad)} .chip.caught{border-color:#bccbf7;background:var(--blue-bg);color:var(--blue)}
details.violation{border:1px solid var(--line);border-radius:8px;margin:10px 0;background:#fff}
details.violation[open]{box-shadow:0 1px 3px rgba(16,24,40,.08)}
details.violation>summary{cursor:pointer;padding:10px 14px;list-style:none;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
details.violation>summary::-webkit-details-marker{display:none}
details.violation>summary::before{content:"\25B8";color:var(--muted)} details.violation[open]>summary::before{content:"\25BE"}
.vbody{padding:4px 16px 16px;border-top:1px solid var(--line)}
.vbody h3{font-size:13px;margin:16px 0 6px;color:#344054;text-transform:uppercase;letter-spacing:.4px}
.msg{font-weight:600}
.repro{display:flex;gap:8px;align-items:stretch;margin:10px 0}
.repro pre{flex:1;margin:0;background:#0f172a;color:#e2e8f0;border-radius:6px;padding:9px 12px;overflow-x:auto}
button.copy{border:1px solid var(--line);background:#fff;border-radius:6px;padding:0 14px;font:inherit;font-weight:600;cursor:pointer}
button.copy:hover{background:#f2f4f7} button.copy.done{color:var(--ok);border-color:var(--ok)}
svg.timeline{width:100%;height:86px;display:block;background:#fafbfc;border:1px solid var(--line);border-radius:6px}
tr.after td{color:#98a2b3} tr.crash td{background:var(--bad-bg);color:var(--bad);font-weight:650;text-align:center;letter-spacing:.3px}
tr.at td{background:#fff8e6} tr.faulted td.op{color:var(--warn);font-weight:600} td.err{color:var(--bad);font-weight:600}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px} @media(max-width:900px){.grid2{grid-template-columns:1fr}}
.diff{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px 0;background:#fff;white-space:pre-wrap}
.diff span{display:block;padding:0 10px} .diff .del{background:#fdecea;color:#912018} .diff .add{background:#e5f5ec;color:#0b5a36} .diff .ctx{color:#475467}
.lost{color:var(--bad);font-weight:600} .same{color:var(--muted)}
.muted{color:var(--muted)} .legend{font-size:12px;color:var(--muted);margin-top:4px}
.legend i{display:inline-block;width:9px;height:9px;border-radius:50%;margin:0 4px 0 10px;vertical-align:middle}
pre.json{background:#f8fafc;border:1px solid var(--line);border-radius:6px;padding:10px;max-height:320px;overflow:auto;margin:0}
.hidden{display:none!important}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:20px}
)CSS";

inline constexpr const char* kHtmlScript = R"JS(
(function(){
  var only=document.getElementById('only-failures'), q=document.getElementById('filter');
  function apply(){
    var text=(q&&q.value||'').toLowerCase(), failOnly=only&&only.checked;
    document.querySelectorAll('[data-ok]').forEach(function(el){
      var hide=(failOnly&&el.getAttribute('data-ok')==='1')||(text&&el.textContent.toLowerCase().indexOf(text)<0);
      el.classList.toggle('hidden',hide);
    });
  }
  if(only)only.addEventListener('change',apply); if(q)q.addEventListener('input',apply);
  document.querySelectorAll('button.copy').forEach(function(b){
    b.addEventListener('click',function(){
      var text=document.getElementById(b.getAttribute('data-target')).textContent;
      function done(){b.textContent='Copied';b.classList.add('done');setTimeout(function(){b.textContent='Copy';b.classList.remove('done');},1500);}
      if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(text).then(done,fallback);}else{fallback();}
      function fallback(){var t=document.createElement('textarea');t.value=text;document.body.appendChild(t);t.select();
        try{document.execCommand('copy');done();}catch(e){}document.body.removeChild(t);}
    });
  });
  apply();
})();
)JS";

}  // namespace crashlab::reports
