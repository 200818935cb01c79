/** AWS SDK clients from the worker's environment (credentials, region, AWS_ENDPOINT_URL), made once per region. */
export function perRegion<T>(make: (config: { region?: string }) => T): (region?: string) => T {
  const cache = new Map<string, T>();
  return (region) => {
    const key = region ?? '';
    if (!cache.has(key)) cache.set(key, make(region ? { region } : {}));
    return cache.get(key)!;
  };
}
