/**
 * The dashboard's icon: one request splitting into a blue (live) and an
 * orange (canary) route. Served as /_router/dashboard/assets/favicon.svg.
 *
 * Layer: HTTP edge (dashboard assets).
 */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#0f172a"/>
<path d="M6 16h7c3 0 4-6 8-6h5" fill="none" stroke="#60a5fa" stroke-width="3" stroke-linecap="round"/>
<path d="M13 16c3 0 4 6 8 6h5" fill="none" stroke="#fb923c" stroke-width="3" stroke-linecap="round"/>
<circle cx="6" cy="16" r="2.5" fill="#e2e8f0"/>
</svg>`;
