/**
 * An in-memory Smart Link port for tick tests: a FIFO queue where fetched but
 * un-acked items are redelivered, recorded acks and sends, and injectable
 * failures per operation.
 */
import { SmartLinkError } from "../../src/smartlink/errors.ts";
import { normalizeItem, type ParsedItem } from "../../src/smartlink/wire.ts";
import type { SmartLinkPort } from "../../src/sync/deps.ts";

type Op = "get" | "ack" | "send";

export class FakeLink implements SmartLinkPort {
  queue: unknown[] = [];
  acked: string[] = [];
  sent: { type: string; audience: string; envelope: string }[] = [];
  gets = 0;
  batchSize = 50;
  private faults: { op: Op; count: number; error: () => Error }[] = [];

  enqueue(...items: unknown[]): void {
    this.queue.push(...items);
  }

  /** The next `count` calls of `op` fail with a transient (or the given) error. */
  fail(op: Op, count = 1, kind: "transient" | "rejected" = "transient", status = kind === "transient" ? 503 : 400) {
    this.faults.push({
      op,
      count,
      error: () =>
        new SmartLinkError(
          kind === "transient" ? "SL_HTTP_5XX" : "SL_REJECTED",
          `Smart Link ${op} failed: HTTP ${status}`,
          { kind, op, status },
        ),
    });
  }

  private fault(op: Op): void {
    const f = this.faults.find((x) => x.op === op && x.count > 0);
    if (f) {
      f.count--;
      throw f.error();
    }
  }

  get(): Promise<ParsedItem[]> {
    this.gets++;
    try {
      this.fault("get");
    } catch (err) {
      return Promise.reject(err);
    }
    return Promise.resolve(this.queue.slice(0, this.batchSize).map((i) => normalizeItem(i, 1_048_576)));
  }

  ack(id: string): Promise<void> {
    try {
      this.fault("ack");
    } catch (err) {
      return Promise.reject(err);
    }
    this.acked.push(id);
    this.queue = this.queue.filter((i) => (i as { id?: string }).id !== id);
    return Promise.resolve();
  }

  send(type: string, audience: string, envelope: string): Promise<void> {
    try {
      this.fault("send");
    } catch (err) {
      return Promise.reject(err);
    }
    this.sent.push({ type, audience, envelope });
    return Promise.resolve();
  }
}

/** A TOTVS-envelope command as the server delivers it. */
export function command(id: string, type = "SGDPMaskCommand", requestID = `req-${id}`) {
  return {
    id,
    type,
    data: {
      header: { type, tenantId: "tenant-1", generatedOn: "2026-01-05T09:59:00Z", locale: "pt_BR" },
      content: { requestID, identifiers: { CPF: "111.111.111-11" }, toVerify: false },
    },
  };
}
