// Vitest runs lib/console outside Next's react-server build; the real `server-only` would throw there.
export {};
