/** The cashier's stylesheet: mobile-first, system fonts, contrast checked against WCAG AA. */
export const CASHIER_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei",sans-serif;color:#1f2328;background:#f3f4f6}
.top{display:flex;justify-content:space-between;align-items:center;max-width:28rem;margin:0 auto;padding:.75rem 1rem;font-size:.875rem;color:#4b5563}
.brand{font-weight:600;color:#1f2328}
.langs{display:flex;gap:.25rem;margin:0;padding:0;list-style:none}
.langs a{display:inline-block;padding:.25rem .6rem;border-radius:999px;color:#1d4ed8;text-decoration:none}
.langs a[aria-current="true"]{background:#1f2328;color:#fff}
main{max-width:28rem;margin:0 auto 1rem;padding:1.5rem 1rem;background:#fff;border-radius:1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
@media (max-width:30rem){main{border-radius:0}}
h1{margin:0;font-size:1.125rem;font-weight:600;overflow-wrap:anywhere}
.payto{margin:0;font-size:.875rem;color:#4b5563}
.desc{margin:.25rem 0 0;color:#374151;overflow-wrap:anywhere}
.amount{margin:.75rem 0 1rem;font-size:2.25rem;font-weight:700;letter-spacing:-.01em;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.qr{margin:0 auto;text-align:center}
.qr>div{width:min(15rem,70vw);margin:0 auto;padding:.5rem;border:1px solid #e5e7eb;border-radius:.75rem;background:#fff}
.qr svg{display:block;width:100%;height:auto}
.qr figcaption{margin-top:.5rem;font-weight:600}
.pw-alipay .qr figcaption{color:#0b5cd5}.pw-wechatpay .qr figcaption{color:#05753a}.pw-unionpay .qr figcaption{color:#b3131b}
.btn{display:block;width:100%;margin:.5rem 0;padding:.85rem 1rem;border:0;border-radius:.6rem;font:inherit;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}
.btn-paypal{background:#ffc439;color:#111}.btn-stripe{background:#4f46e5;color:#fff}.btn-plain{background:#f3f4f6;color:#1d4ed8}
.btn:focus-visible,.langs a:focus-visible,.wallet-link:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
.wallet-link{display:block;margin:.75rem 0 0;text-align:center;color:#1d4ed8}
.hint{margin:.5rem 0 0;font-size:.875rem;color:#4b5563;text-align:center}
.timer{margin:1rem 0 0;text-align:center;color:#374151}
.timer time{font-weight:700;font-variant-numeric:tabular-nums}
.note{margin:.75rem 0 0;padding:.6rem .75rem;border-radius:.5rem;background:#eff6ff;color:#1e3a8a;text-align:center}
.note.declined{background:#fef2f2;color:#991b1b}
.outcome{text-align:center}
.outcome h2{margin:.5rem 0;font-size:1.375rem}
.outcome .icon{display:inline-flex;width:3.5rem;height:3.5rem;align-items:center;justify-content:center;border-radius:50%;font-size:2rem;font-weight:700}
.ok .icon{background:#dcfce7;color:#166534}.bad .icon{background:#fee2e2;color:#991b1b}.warn .icon{background:#fef3c7;color:#92400e}.wait .icon{background:#e0e7ff;color:#3730a3}
.outcome p{color:#374151}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
footer{max-width:28rem;margin:0 auto 2rem;padding:0 1rem;font-size:.8125rem;color:#4b5563;text-align:center}
[hidden]{display:none!important}
`;
