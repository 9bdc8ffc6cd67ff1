/** The dashboard banner shown while this database is a copy of the installation recorded for the tenant. */
import type { InstallationState } from "../../sync/installation_guard.ts";
import { ActionForm } from "./parts.tsx";

export function InstallationBanner(props: { state?: InstallationState; csrf: string }) {
  const s = props.state;
  if (s?.status !== "mismatch") return null;
  return (
    <section class="card problem" id="installation" role="alert">
      <h2>Sync paused: this database is a copy</h2>
      <p>{s.message}.</p>
      <p class="small">
        A test base restored from production must get credentials of its own. Confirm only when this database has become
        the production one (moved or restored after a loss); the confirmation is logged.
      </p>
      <ActionForm
        action="/installation/confirm"
        csrf={props.csrf}
        label="Adopt this database as the installation"
        danger
        confirm="This is now the production database of this tenant"
      />
    </section>
  );
}
