/** A page that explains a 4xx/5xx answer. */

export function ErrorView(props: { title: string; text: string }) {
  return (
    <section class="card">
      <h1>{props.title}</h1>
      <p>{props.text}</p>
      <p>
        <a href="/">Back to the dashboard</a>
      </p>
    </section>
  );
}
