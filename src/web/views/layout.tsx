/** The page frame: head, navigation, flash notice. */
import type { Child } from "hono/jsx";
import type { Flash } from "../flash.ts";

export type Section = "dashboard" | "messages" | "history" | "logs" | "connection" | "activation";

const NAV: [Section, string, string][] = [
  ["dashboard", "/", "Dashboard"],
  ["messages", "/messages", "Messages"],
  ["history", "/history", "History"],
  ["logs", "/logs", "Logs"],
  ["connection", "/connection", "Connection"],
  ["activation", "/activation", "Activation"],
];

export function Layout(props: { title: string; section?: Section; flash?: Flash; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{props.title} · Smart Link Client</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body>
        <header class="top">
          <span class="brand">Smart Link Client</span>
          <nav>
            {NAV.map(([section, href, label]) => (
              <a href={href} class={section === props.section ? "active" : undefined}>{label}</a>
            ))}
          </nav>
        </header>
        <main>
          {props.flash && <div class={`flash ${props.flash.kind}`} role="status">{props.flash.text}</div>}
          {props.children}
        </main>
        <footer>TOTVS Smart Link Client · times in UTC</footer>
      </body>
    </html>
  );
}
