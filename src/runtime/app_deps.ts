/** `runtimeAppDeps`: what the HTTP surface (`web/`) needs, taken from a runtime. */
import type { AppDeps } from "../web/deps.ts";
import type { Runtime } from "./types.ts";

/** What the HTTP surface needs, from a runtime; `nextAt` is the schedule's next tick. */
export function runtimeAppDeps(runtime: Runtime, nextAt: () => Date | undefined): AppDeps {
  return {
    db: runtime.db,
    config: runtime.config,
    logger: runtime.logger,
    now: runtime.now,
    sync: {
      run: (trigger) => runtime.runner.run(trigger),
      running: () => runtime.runner.running(),
      last: () => runtime.runner.last(),
      draining: () => runtime.runner.draining(),
      nextAt,
    },
    publish: (input) => runtime.publish(input),
    activation: () => runtime.activation(),
    activationControl: runtime.activationControl,
    retryParams: () => runtime.retryParams(),
    connection: () => runtime.connection(),
    installation: () => runtime.installation.state(),
    confirmInstallation: (actor) => runtime.installation.confirm(actor),
    metrics: runtime.metrics,
    alerts: runtime.alerts ? () => runtime.alerts!.status() : undefined,
    redact: runtime.redactor.redact,
  };
}
