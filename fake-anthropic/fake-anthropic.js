// Placeholder: replaced by the fake Anthropic Messages API.
export default {
  async fetch(request) {
    return new Response(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "todo" } }), { status: 404 });
  },
};
