import { cstDate, parseCstDate } from '../format.js';
import { bizFail, invalidParam, success, type MethodHandler } from './common.js';

export const billDownloadUrl: MethodHandler = (ctx) => {
  const { biz, sim, app } = ctx;
  const billType = biz.required('bill_type', 32);
  const billDate = biz.required('bill_date', 16);
  if (billType !== 'trade') {
    throw invalidParam(`bill_type 仅支持 trade（沙箱不提供 ${billType} 账单）`);
  }
  if (parseCstDate(billDate) === null) {
    throw invalidParam(`bill_date 格式应为 yyyy-MM-dd（沙箱不提供月账单），收到 "${billDate}"`);
  }
  // Real Alipay only has a day's bill from T+1; the sandbox also serves today so tests need no clock games.
  if (billDate > cstDate(sim.now())) throw bizFail('isp.bill_not_exist', '账单不存在');
  // BillControls "no_bill": Alipay has no bill for that day (as for a day without any trade).
  if (sim.billControls.fault(app.app_id, billDate) === 'no_bill') throw bizFail('isp.bill_not_exist', '账单不存在');
  const token = sim.bills.issue({ appId: app.app_id, date: billDate }, sim.now());
  return success({ bill_download_url: `${sim.publicBaseUrl()}/_bills/${token}` });
};
