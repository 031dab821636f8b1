import type { FastifyPluginAsync } from 'fastify';
import { BillControls } from '../common/bill-controls.js';
import { formParser, sandboxErrorBody, SimulatorHost, type SimulatorOptions } from '../common/host.js';
import { MER_ID_RE, MerchantInputError, registerAdminRoutes, type RegisteredMerchant } from './admin.js';
import { issueMerchantCert, loadOrCreateCa, type Ca } from './ca.js';
import type { SimContext } from './context.js';
import { newMerId } from './format.js';
import { GATEWAY_BODY_LIMIT, parseForm, registerGateway } from './gateway.js';
import { notificationProtocol } from './notifier.js';
import { JSON_BODY_LIMIT, payOrder, registerPayerRoutes, type PayerView, type PayOutcome } from './payer.js';
import { Store } from './store.js';
import { Txns } from './txns.js';

/** dataDir, if set: the CA in <dataDir>/unionpay-ca.json and state in <dataDir>/unionpay-sim.sqlite. */
export type UnionpaySimulatorOptions = SimulatorOptions;

export class UnionpaySimulator extends SimulatorHost {
  /** Register with { prefix: '/sandbox/unionpay' }. Encapsulated: its body parsers stay inside it. */
  readonly plugin: FastifyPluginAsync;
  readonly ca: Ca;
  /** The bill controls (POST /_bills/…), also for tests in the same process. */
  readonly bills = new BillControls();

  private readonly store: Store;
  private readonly ctx: SimContext;

  constructor(opts: UnionpaySimulatorOptions) {
    super('unionpay-sim', opts);
    this.ca = loadOrCreateCa(opts.dataDir);
    this.store = new Store(opts.dataDir);
    const outbox = this.outbox(this.store.notifications, notificationProtocol(this.ca));
    this.closeWith(outbox, this.store);
    this.ctx = { ...this.hostContext(), store: this.store, ca: this.ca, txns: new Txns(this.store, outbox, () => this.now()), bills: this.bills };
    this.startTicking(() => outbox.runDue());
    this.plugin = this.buildPlugin();
  }

  /** A new sandbox merchant: a signing certificate issued by the sandbox CA, as a PFX. */
  registerMerchant(input: { merId?: string } = {}): RegisteredMerchant {
    const merId = input.merId ?? newMerId();
    if (!MER_ID_RE.test(merId)) throw new MerchantInputError('mer_id must be 1..32 letters or digits');
    const cert = issueMerchantCert(this.ca, merId);
    const existing = this.store.getMerchant(merId);
    this.store.upsertMerchant({ mer_id: merId, cert_pem: cert.certPem, cert_id: cert.certId, created_at: existing?.created_at ?? Date.now() });
    return { mer_id: merId, sign_cert_pfx: cert.pfxBase64, sign_cert_password: cert.password, root_cert: this.ca.rootPem, middle_cert: this.ca.middlePem, environment: 'test' };
  }

  /** Same as POST /_payer/pay; throws PayerError. */
  pay(reference: string, outcome: PayOutcome): PayerView {
    return payOrder(this.ctx, reference, outcome);
  }

  private buildPlugin(): FastifyPluginAsync {
    return this.hostPlugin(sandboxErrorBody, (app) => {
      formParser(app, GATEWAY_BODY_LIMIT, (body) => parseForm(body));
      registerGateway(app, this.ctx);
      registerPayerRoutes(app, this.ctx);
      registerAdminRoutes(app, { registerMerchant: (input) => this.registerMerchant(input) });
      this.faultsRoutes(app, { bodyLimit: JSON_BODY_LIMIT });
      this.bills.register(app);
    });
  }
}
