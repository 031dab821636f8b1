/**
 * UnionPay ACP response codes (应答码) of a failed consume → Paygate failure codes. The
 * queried transaction's result is origRespCode with origRespMsg as its text (a notification:
 * respCode / respMsg). UnionPay's failed consume is final for that orderId: the QR order is one
 * transaction, so unlike Stripe or WeChat Pay nothing is left to retry (status stays 'failed').
 * Source: UnionPay ACP 5.1.0 应答码表 (00 success; 03/04/05 in progress; 6x cardholder account).
 */
import { declineFrom, type Decline, type FailureCode } from '../../domain/failure-codes.js';

export const UNIONPAY_DECLINES: Readonly<Record<string, FailureCode>> = {
  '01': 'card_declined', // 交易失败
  '02': 'provider_error', // 系统未开放或暂时关闭
  '06': 'provider_error', // 系统繁忙
  '60': 'card_declined', // 交易失败，详情请咨询您的发卡行
  '61': 'invalid_card', // 输入的卡号无效
  '62': 'card_declined', // 发卡银行不支持该商户
  '63': 'invalid_card', // 卡状态不正确
  '64': 'insufficient_funds', // 卡上的余额不足
  '65': 'invalid_card', // 输入的密码、有效期或CVN2有误
  '66': 'authentication_failed', // 持卡人身份信息或手机号输入不正确，验证失败
  '67': 'authentication_failed', // 密码输入次数超限
  '68': 'card_declined', // 您的银行卡暂不支持该业务
  '69': 'authentication_failed', // 您的输入超时
  '71': 'authentication_failed', // 动态口令或短信验证码校验失败
  '73': 'expired_card', // 支付卡已超过有效期
  '78': 'card_declined', // 发卡行交易权限受限
  '99': 'provider_error', // 通用错误
};

export function unionpayDecline(respCode: string, respMsg?: string): Decline {
  return declineFrom(UNIONPAY_DECLINES, respCode, respMsg);
}
