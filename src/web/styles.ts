/** The one stylesheet of the admin view, served at `/static/app.css` (CSP allows no inline style). */
export const APP_CSS = `
:root{--fg:#1d2733;--muted:#5d6b7a;--bg:#f4f6f8;--card:#fff;--line:#dfe4ea;--accent:#0b5fa5;--accent-fg:#fff;
--ok:#1f7a3f;--ok-bg:#e3f4e8;--err:#b42318;--err-bg:#fdecea;--warn:#8a5a00;--warn-bg:#fff4d6;--info-bg:#e7f0fa;--run-bg:#efe7fa;--run:#5b2d91}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
header.top{background:#0f2d4a;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1.25rem}
header.top .brand{font-weight:600;margin-right:.5rem;white-space:nowrap}
header.top nav{display:flex;flex-wrap:wrap;gap:.25rem}
header.top nav a{color:#cfe0f1;text-decoration:none;padding:.35rem .6rem;border-radius:6px}
header.top nav a:hover{background:#1c4570;color:#fff}
header.top nav a.active{background:#fff;color:#0f2d4a;font-weight:600}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.25rem 0 1rem;word-break:break-all}
h2{font-size:1.05rem;margin:0 0 .6rem;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:1rem;margin-bottom:1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem;margin-bottom:1rem;min-width:0}
.grid .card{margin-bottom:0}
.big{font-size:1.6rem;font-weight:600;line-height:1.2}
.muted{color:var(--muted)}
.small{font-size:13px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.3rem .9rem;margin:0}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0;min-width:0;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:8px;background:var(--card)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f5;font-weight:600;font-size:13px;white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
tbody tr:nth-child(even){background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.nowrap{white-space:nowrap}
td.wrap{overflow-wrap:anywhere;min-width:12rem}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:12px;font-weight:600;background:#e9edf1;color:#33414f;white-space:nowrap}
.badge.PENDING,.badge.info{background:var(--info-bg);color:var(--accent)}
.badge.RUNNING{background:var(--run-bg);color:var(--run)}
.badge.RETRY,.badge.warning,.badge.ABANDONED{background:var(--warn-bg);color:var(--warn)}
.badge.DEAD,.badge.error,.badge.failed{background:var(--err-bg);color:var(--err)}
.badge.SUCCESS,.badge.ok{background:var(--ok-bg);color:var(--ok)}
.badge.DISCARDED{background:#ececec;color:#555}
.flash{padding:.7rem 1rem;border-radius:8px;margin-bottom:1rem;border:1px solid}
.flash.ok{background:var(--ok-bg);color:var(--ok);border-color:#b7e0c3}
.flash.error{background:var(--err-bg);color:var(--err);border-color:#f3c0ba}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end;margin-bottom:1rem}
form.filters label{display:flex;flex-direction:column;font-size:13px;color:var(--muted);gap:.2rem}
input,select,button{font:inherit;font-size:14px}
input:not([type=checkbox]),select{height:2.3rem}
input,select{padding:.4rem .5rem;border:1px solid #c3ccd6;border-radius:6px;background:#fff;color:var(--fg);min-width:0}
input[type=text]{width:13rem}
button,.button{display:inline-block;padding:.45rem .9rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none;line-height:1.3}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--err);border-color:var(--err)}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin-top:.9rem}
.actions form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:0}
.pager{display:flex;gap:.75rem;align-items:center;margin:.8rem 0}
pre.content{background:#0f1720;color:#e6edf3;padding:.8rem;border-radius:8px;overflow:auto;max-height:32rem;white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
details summary{cursor:pointer;color:var(--accent)}
details pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f1f3f5;padding:.5rem;border-radius:6px;margin:.3rem 0 0}
.related{display:flex;flex-wrap:wrap;gap:.3rem 1.5rem;margin:-.5rem 0 1rem;overflow-wrap:anywhere}
.problem{color:var(--err);margin:0 0 .6rem}
.steps ol{padding-left:1.3rem;margin:.4rem 0 0}
.steps li{margin-bottom:.35rem}
form.stacked{display:flex;flex-direction:column;gap:.75rem;max-width:40rem}
form.stacked>label,form.stacked details>label:not(.inline){display:flex;flex-direction:column;gap:.2rem;font-size:13px;color:var(--muted)}
form.stacked input[type=text],form.stacked input[type=password],form.stacked input[type=url]{width:100%}
form.stacked fieldset{border:1px solid var(--line);border-radius:8px;padding:.5rem .8rem .8rem;margin:0;display:flex;flex-direction:column;gap:.45rem;min-width:0}
form.stacked legend{font-size:13px;color:var(--muted);padding:0 .3rem}
form.stacked details{display:flex;flex-direction:column;gap:.5rem}
form.stacked details[open]>summary{margin-bottom:.5rem}
form.stacked details>label:not(.inline){margin-top:.5rem}
label.inline{display:flex;gap:.45rem;align-items:center;font-size:14px;color:var(--fg)}
label.inline input{height:auto;margin:0}
button:disabled{opacity:.45;cursor:not-allowed}
.errors{color:var(--err);margin:.2rem 0 0;padding-left:1.1rem}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain li{padding:.4rem 0;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
ul.plain li:last-child{border-bottom:0}
figure.chart-figure{margin:0}
svg.chart{width:100%;height:auto;display:block;min-width:34rem}
svg.chart .ok{fill:#2e9d57}
svg.chart .fail{fill:#d64545}
svg.chart .axis{stroke:#b8c2cc;stroke-width:1}
svg.chart .grid-line{stroke:#e6eaee;stroke-width:1}
svg.chart text{fill:#5d6b7a;font-size:13px;font-family:system-ui,sans-serif}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:13px;color:var(--muted);margin-top:.4rem}
.legend>span{white-space:nowrap}
.chart-scroll{overflow-x:auto;direction:rtl}
.chart-scroll>svg{direction:ltr}
.split{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem;align-items:start}
.kpis{display:flex;flex-wrap:wrap;gap:.5rem 2rem;margin-bottom:.8rem}
.kpis .label{color:var(--muted);font-size:13px}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
.swatch.ok{background:#2e9d57}.swatch.fail{background:#d64545}
footer{color:var(--muted);font-size:12px;text-align:center;padding:1rem}
@media (max-width:640px){
 main{padding:.6rem}
 body{font-size:14px}
 .card{padding:.75rem}
 input[type=text]{width:100%}
 form.filters label{flex:1 1 45%}
 dl.kv{grid-template-columns:1fr;gap:.1rem}
 dl.kv dt{margin-top:.45rem;font-size:13px}
 th,td{padding:.35rem .45rem}
 table.stack thead{display:none}
 table.stack tr{display:block;padding:.35rem 0;border-bottom:1px solid var(--line)}
 table.stack tbody tr:last-child{border-bottom:0}
 table.stack td{display:flex;gap:.6rem;border:0;padding:.12rem .6rem;min-width:0;text-align:left;white-space:normal;overflow-wrap:anywhere}
 table.stack td[data-label]::before{content:attr(data-label);flex:0 0 6.5rem;color:var(--muted);font:12px system-ui,sans-serif;padding-top:.1rem}
 table.stack td:empty{display:none}
 table.stack td>details{min-width:0}
 h1{font-size:1.2rem}
 .split{grid-template-columns:minmax(0,1fr)}
 table.counts th,table.counts td{padding:.3rem .35rem;font-size:12px}
 table.counts td.wrap{min-width:0;overflow-wrap:anywhere}
}
`;
