/** The contact sheet's style and filter script, pinned by hash in its Content-Security-Policy. */
import { createHash } from 'node:crypto';

export const CSS = `:root{--bg:#f5f6f8;--fg:#1d2330;--muted:#5d6675;--card:#fff;--line:#dde1e7;--bad:#c62828;--badbg:#fdecea;--chip:#eef1f5;--accent:#2f5bd3;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#14171c;--fg:#e6e9ee;--muted:#9aa3b2;--card:#1d2128;--line:#2e343d;--bad:#ef5350;--badbg:#3a1d1d;--chip:#2a3039;--accent:#7aa2ff}}
*{box-sizing:border-box}[hidden]{display:none!important}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main{max-width:1400px;margin:0 auto;padding:16px}
h1{font-size:20px;margin:0}.sub{color:var(--muted);margin:2px 0 12px}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 10px}
.stat b{display:block;font-size:20px;font-variant-numeric:tabular-nums}.stat span{color:var(--muted);font-size:12px}
.stat.bad b{color:var(--bad)}
.more{display:flex;flex-wrap:wrap;gap:8px 32px;margin-top:12px;align-items:flex-start}
.models{border-collapse:collapse;font-variant-numeric:tabular-nums}
.models th,.models td{text-align:left;padding:2px 16px 2px 0;border-bottom:1px solid var(--line)}.models .n{text-align:right}.models :last-child{padding-right:0}
.notes{color:var(--muted);margin:0;flex:1 1 240px}
.banner{background:var(--badbg);border:1px solid var(--bad);border-radius:8px;padding:8px 10px;margin:0 0 12px}
.bar{position:sticky;top:0;z-index:1;background:var(--bg);border-bottom:1px solid var(--line)}
.bar div.in{max-width:1400px;margin:0 auto;padding:8px 16px;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.bar input{flex:1 1 240px;min-width:0;font:inherit;padding:8px 10px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:inherit}
.seg{display:flex}.seg button{font:inherit;padding:7px 12px;border:1px solid var(--line);background:var(--card);color:inherit;cursor:pointer}
.seg button:first-child{border-radius:6px 0 0 6px}.seg button:last-child{border-radius:0 6px 6px 0}.seg button+button{border-left:0}
.seg button[aria-pressed=true]{background:var(--accent);border-color:var(--accent);color:#fff}
#shown{color:var(--muted);white-space:nowrap}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,260px),1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden;display:flex;flex-direction:column}
.card.failed{border:2px solid var(--bad)}
.thumb{aspect-ratio:3/2;position:relative;background:#8882;display:flex;align-items:center;justify-content:center;color:var(--muted)}
.thumb img{position:absolute;inset:0;width:100%;height:100%;object-fit:contain}
.thumb.broken img{display:none}.thumb.broken::after{content:"preview missing"}
.body{padding:8px 10px 10px;display:flex;flex-direction:column;gap:6px;flex:1;min-width:0}
.name{font-size:13px;margin:0;font-weight:600;overflow-wrap:anywhere}
.badge{background:var(--bad);color:#fff;border-radius:4px;padding:0 6px;font-size:11px;font-weight:600;text-transform:uppercase;vertical-align:1px}
.out{display:flex;flex-direction:column;gap:6px}.text,.dup{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}.dup{color:var(--muted)}
.k{display:block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.chips{list-style:none;margin:2px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
.chips li{background:var(--chip);border-radius:999px;padding:1px 8px;font-size:12px}.chips.bad li{background:var(--badbg)}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}
.meta{color:var(--muted);font-size:12px;font-variant-numeric:tabular-nums;margin:auto 0 0}
.err{background:var(--badbg);border-radius:6px;padding:6px 8px;overflow-wrap:anywhere}.err b{color:var(--bad)}
#none{color:var(--muted);text-align:center;padding:32px 0}
.ai img{display:block;width:100%;height:auto;border-radius:6px}
.live{color:var(--accent);font-weight:600}`;

// Plain ES2017 so the sheet also works in the phone browsers photographers hand it to.
export const SCRIPT = `(() => {
  const q = document.getElementById('q'), shown = document.getElementById('shown'), none = document.getElementById('none');
  const cards = Array.from(document.querySelectorAll('.card'));
  const texts = cards.map((c) => Array.from(c.querySelectorAll('[data-s]'), (e) => e.textContent).join(' ').toLowerCase());
  const buttons = Array.from(document.querySelectorAll('[data-show]'));
  let mode = 'all';
  // A live gallery reloads itself: keep what the viewer typed and picked across reloads.
  try { q.value = sessionStorage.getItem('pb-q') || ''; mode = sessionStorage.getItem('pb-mode') || 'all'; } catch (e) {}
  buttons.forEach((x) => x.setAttribute('aria-pressed', String(x.dataset.show === mode)));
  const save = () => { try { sessionStorage.setItem('pb-q', q.value); sessionStorage.setItem('pb-mode', mode); } catch (e) {} };
  const apply = () => {
    const terms = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let n = 0;
    cards.forEach((c, i) => {
      const match = (mode === 'all' || c.dataset.status === mode) && terms.every((t) => texts[i].includes(t));
      c.hidden = !match;
      if (match) n++;
    });
    shown.textContent = n + ' of ' + cards.length + ' shown';
    none.hidden = n > 0;
  };
  q.addEventListener('input', () => { save(); apply(); });
  buttons.forEach((b) => b.addEventListener('click', () => {
    mode = b.dataset.show;
    save();
    buttons.forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
    apply();
  }));
  document.querySelectorAll('.thumb img').forEach((img) => {
    const broken = () => img.parentElement.classList.add('broken');
    if (img.complete && img.naturalWidth === 0) broken();
    img.addEventListener('error', broken);
  });
  apply();
})();`;

const cspHash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
// Hash-pinned script and style: even a record that slipped past escaping could not run code or fetch anything.
export const CSP = `default-src 'none'; img-src 'self' file: data:; style-src ${cspHash(CSS)}; script-src ${cspHash(SCRIPT)}; base-uri 'none'; form-action 'none'`;
