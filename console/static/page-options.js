/* The chat page's widget options (a separate file: the page's CSP allows no inline script). */
window.shopdesk = { mode: "inline", container: "#chat" };
