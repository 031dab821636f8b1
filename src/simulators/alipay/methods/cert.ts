import { bizFail, success, type MethodHandler } from './common.js';

/**
 * alipay.open.app.alipaycert.download: the Alipay public certificate file for an
 * alipay_cert_sn, base64 — how SDKs fetch a rotated certificate. Every certificate the
 * sandbox ever signed with stays downloadable.
 */
export const alipayCertDownload: MethodHandler = (ctx) => {
  const sn = ctx.biz.str('alipay_cert_sn', { required: true, max: 64 });
  const cert = ctx.sim.ca.certs().find((c) => c.sn === sn);
  if (!cert) throw bizFail('ALIPAY_CERT_NOT_EXIST', `支付宝公钥证书不存在: ${sn ?? ''}`);
  return success({ alipay_cert_content: Buffer.from(ctx.sim.ca.alipayCertFile(cert), 'utf8').toString('base64') });
};
