/**
 * The console's one stylesheet. Colours meet WCAG AA: body text #1f2933 on white is 14.7:1, muted text
 * #52606d is 6.6:1, links and primary buttons #1d4ed8 are 6.7:1, danger #b42318 is 6.5:1.
 */
export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f5f7fa}
a{color:#1d4ed8}
a:hover{color:#1e3a8a}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem}
header.top{background:#102a43;color:#fff}
header.top .bar{max-width:72rem;margin:0 auto;padding:.75rem 1rem;display:flex;gap:.5rem 1.5rem;align-items:center}
header.top a{color:#fff;text-decoration:none}
header.top a:hover{text-decoration:underline}
header.top :focus-visible{outline-color:#fff}
.brand{font-weight:700;font-size:1.125rem;margin-right:auto}
.who{font-size:.875rem;color:#d9e2ec;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
header.top form{margin:0}
header.top .bar>a,header.top form{flex:none;white-space:nowrap}
.linkish{background:none;border:0;color:#fff;font:inherit;font-size:.875rem;text-decoration:underline;cursor:pointer;padding:.25rem}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.125rem;margin:1.5rem 0 .75rem}
nav.crumbs{font-size:.875rem;color:#52606d;overflow-wrap:anywhere}
nav.crumbs a{color:#1d4ed8}
nav.tabs{display:flex;gap:.25rem;flex-wrap:wrap;border-bottom:1px solid #cbd2d9;margin-bottom:1rem}
nav.tabs a{padding:.5rem .75rem;text-decoration:none;border-bottom:3px solid transparent;color:#1f2933}
nav.tabs a[aria-current=page]{border-bottom-color:#1d4ed8;font-weight:600}
nav.filters{display:flex;gap:.5rem;flex-wrap:wrap;margin-bottom:.75rem}
nav.filters a{padding:.25rem .75rem;border:1px solid #cbd2d9;border-radius:1rem;text-decoration:none;background:#fff}
nav.filters a[aria-current=page]{background:#1d4ed8;border-color:#1d4ed8;color:#fff;font-weight:600}
dialog{border:1px solid #d9e2ec;border-radius:.5rem;padding:1rem 1.25rem;width:32rem;max-width:calc(100vw - 2rem);color:#1f2933;background:#fff}
dialog::backdrop{background:rgba(16,42,67,.6)}
dialog h2{margin-top:0}
.card>:first-child,.alert>:first-child{margin-top:0}
.card{background:#fff;border:1px solid #d9e2ec;border-radius:.5rem;padding:1rem;margin-bottom:1rem}
main.narrow{max-width:28rem;padding-top:2rem}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem;margin-bottom:1rem}
.stat{background:#fff;border:1px solid #d9e2ec;border-radius:.5rem;padding:.75rem 1rem}
a.stat{color:#1f2933;text-decoration:none}
a.stat:hover{border-color:#1d4ed8}
.stat .n{font-size:1.75rem;font-weight:700;display:block}
.stat .l{color:#52606d;font-size:.875rem}
.muted{color:#52606d}
.small{font-size:.875rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875rem;overflow-wrap:anywhere}
.secret{display:block;background:#f0f4f8;border:1px solid #bcccdc;border-radius:.25rem;padding:.5rem;margin:.25rem 0;word-break:break-all}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
.kv dt{color:#52606d}
.kv dd{margin:0;overflow-wrap:anywhere}
.copyrow{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.hint{display:block;font-weight:400;color:#52606d;font-size:.875rem}
input[type=text],input[type=email],input[type=password],input[type=search],input[type=url],select,textarea{width:100%;font:inherit;padding:.5rem;border:1px solid #7b8794;border-radius:.25rem;background:#fff;color:#1f2933}
textarea{min-height:6rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875rem}
input[aria-invalid=true],textarea[aria-invalid=true]{border-color:#b42318}
.check{display:flex;gap:.5rem;align-items:center;font-weight:400}
fieldset{border:0;padding:0;margin:.75rem 0 0;min-width:0}
legend{font-weight:600;padding:0;margin-bottom:.25rem}
fieldset .check{align-items:flex-start;margin:.25rem 0}
fieldset .check input{margin-top:.35rem}
.inline-fields{display:flex;gap:.5rem}
.inline-fields input{flex:1 1 8rem;min-width:0}
.inline-fields select{flex:0 1 9rem}
ul.plain{list-style:none;margin:0;padding:0}
.field-error{color:#b42318;font-size:.875rem;margin:.25rem 0 0}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.5rem 1rem;border-radius:.25rem;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer;text-decoration:none;line-height:1.5}
button:hover,.button:hover{background:#1e40af;color:#fff}
button.secondary,.button.secondary{background:#fff;color:#1d4ed8}
button.secondary:hover{background:#eff6ff;color:#1e3a8a}
button.danger{background:#b42318;border-color:#b42318}
button.danger:hover{background:#912018}
button.small{padding:.25rem .625rem;font-size:.875rem}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin-top:1rem}
form.inline{display:inline;margin:0}
.alert{border-radius:.5rem;padding:.75rem 1rem;margin-bottom:1rem;border:1px solid}
.alert.error{background:#fef3f2;border-color:#f04438;color:#7a271a}
.alert.ok{background:#ecfdf3;border-color:#32d583;color:#054f31}
.alert.once{background:#fffaeb;border-color:#f79009;color:#7a2e0e}
.alert ul{margin:.25rem 0 0;padding-left:1.25rem}
.badge{display:inline-block;white-space:nowrap;font-size:.75rem;font-weight:600;padding:0 .5rem;border-radius:1rem;background:#e4e7eb;color:#1f2933;vertical-align:middle}
.badge.sample{background:#fef0c7;color:#7a2e0e}
.badge.full{background:#fee4e2;color:#7a271a}
.badge.auth{background:#d1e9ff;color:#194185}
.badge.off{background:#fee4e2;color:#7a271a}
.badge.on{background:#ecfdf3;color:#054f31}
.avatar{display:inline-flex;align-items:center;justify-content:center;width:2rem;height:2rem;border-radius:50%;background:#334e68;color:#fff;font-weight:700;font-size:.875rem;flex:none}
.who-cell{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:center}
.toolbar{display:flex;gap:.5rem;flex-wrap:wrap;align-items:flex-end;margin-bottom:1rem}
.toolbar form{display:flex;gap:.5rem;flex:1 1 16rem}
.toolbar input[type=search]{flex:1;min-width:0}
table{width:100%;margin-bottom:1rem;border-collapse:collapse;background:#fff;border:1px solid #d9e2ec;border-radius:.5rem}
th,td{text-align:left;padding:.5rem .75rem;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{font-size:.875rem;color:#52606d;font-weight:600;background:#f0f4f8}
td{overflow-wrap:break-word}
.empty{background:#fff;border:1px dashed #9aa5b1;border-radius:.5rem;padding:1.5rem;text-align:center}
.empty p{margin:.25rem 0}
nav.pages{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:1rem 0}
nav.pages .current{font-weight:600}
.grid2{display:grid;gap:1rem;grid-template-columns:1fr}
@media (min-width:56rem){.grid2{grid-template-columns:1fr 1fr}}
@media (max-width:40rem){
 main{padding:.75rem}
 header.top .bar{gap:.5rem .75rem}
 table,thead,tbody,tr,th,td{display:block}
 table{border:0;background:none}
 thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 tr{background:#fff;border:1px solid #d9e2ec;border-radius:.5rem;margin-bottom:.75rem;padding:.25rem 0}
 td{border:0;padding:.25rem .75rem;display:grid;grid-template-columns:6.5rem minmax(0,1fr);gap:.5rem}
 td::before{content:attr(data-label);color:#52606d;font-size:.875rem;font-weight:600}
 td>*{justify-self:start;max-width:100%}
 .kv{grid-template-columns:1fr}
 .kv dd{margin-bottom:.5rem}
}
.snippet{margin:0 0 1rem;min-width:0}
.snippet pre{background:#f0f4f8;border:1px solid #d9e2ec;border-radius:.25rem;padding:.75rem;margin:0 0 .5rem;overflow-x:auto;max-width:100%}
.snippet pre code{white-space:pre;overflow-wrap:normal}
.quick-start .kv dd form{margin:.25rem 0 0}
.quick-start h3{font-size:1rem;margin:1.25rem 0 .5rem}
form.filters{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:flex-end;margin-bottom:1rem}
form.filters>div{flex:1 1 12rem;min-width:0}
form.filters .actions{flex:0 0 auto;margin:0 0 .25rem}
`;

/** The console's icon (a keyhole), served as `/dashboard/favicon.svg` and `/dashboard/favicon.ico`. */
export const FAVICON_SVG =
	'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#102a43"/>' +
	'<circle cx="16" cy="13" r="5" fill="#fff"/><path d="M13.5 16h5l1.5 9h-8z" fill="#fff"/></svg>';
