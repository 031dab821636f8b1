/**
 * Alipay's trade bill as a BillSource: ask alipay.data.dataservice.bill.downloadurl.query for
 * the day's URL, download it at once (it lives about 30 s), and stream the zip's rows.
 */
import { BillError, billUnavailable, type BillIo, type BillRow, type BillSource } from '../bills.js';
import type { ConnectorContext } from '../types.js';
import { BILL_DOWNLOAD_URL, buildBillDownloadUrl, parseBillUrlOrNone } from './bill-url.js';
import type { AlipayCredentials } from './credentials.js';

/** What Alipay's bill host answers for a URL past its lifetime. */
const GONE = 410;
/** One fresh URL after an expired one: a second expiry means downloads are too slow, not bad luck. */
const URL_ATTEMPTS = 2;

async function* rows(io: BillIo, ctx: ConnectorContext<AlipayCredentials>, day: string): AsyncGenerator<BillRow> {
  for (let attempt = 1; attempt <= URL_ATTEMPTS; attempt++) {
    const at = { ...ctx, now: io.now() };
    const answer = await io.call(BILL_DOWNLOAD_URL, () => buildBillDownloadUrl(at, day), (res) => parseBillUrlOrNone(at, res));
    if (!answer.ok) throw billUnavailable(BILL_DOWNLOAD_URL, answer);
    if (answer.url === null) return; // isp.bill_not_exist: nothing was billed that day
    const file = await io.download({ method: 'GET', url: answer.url, headers: {} });
    if (file.status === GONE) continue;
    if (file.status !== 200) throw new BillError('RECON.BILL_UNAVAILABLE', `Alipay bill download: HTTP ${file.status}`);
    yield* io.parseFile('alipay', file.path, {});
    return;
  }
  throw new BillError('RECON.BILL_URL_EXPIRED', `Alipay bill download: the bill_download_url had expired (HTTP ${GONE}) ${URL_ATTEMPTS} times; it is valid for 30 s, so the download must start right after the query`);
}

export const alipayBills: BillSource<AlipayCredentials> = {
  utcOffsetMinutes: 480,
  readyAt: '10:00',
  rows,
};
