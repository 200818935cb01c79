/** Link-local and metadata addresses: refused in plans (literal hosts) and by the worker's HTTP check (resolved too). */
import { describe, expect, it } from 'vitest';
import { measureHttp } from '../../activities/analysis/http';
import { linkLocalAddressProblem, linkLocalUrlProblem } from '../../plan/link-local';
import { HttpProviderSchema } from '../../plan/analysis';

describe('link-local and metadata addresses', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/',
    'http://0251.0376.0251.0376/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1%eth0]/',
    'http://[::ffff:169.254.169.254]/',
    'http://metadata.google.internal./computeMetadata/v1/',
    'http://100.100.100.200/latest/meta-data/',
  ])('%s is refused', (url) => expect(linkLocalUrlProblem(url)).toBeDefined());

  it.each(['http://127.0.0.1:9090', 'http://{{service}}.internal/health', 'https://prometheus.monitoring:9090', 'http://10.0.0.7/'])(
    '%s is allowed',
    (url) => {
      expect(linkLocalUrlProblem(url)).toBeUndefined();
    },
  );

  it('resolved addresses are judged the same way', () => {
    expect(linkLocalAddressProblem('169.254.170.2')).toMatch(/link-local/);
    expect(linkLocalAddressProblem('fe80::a')).toMatch(/IPv6 link-local/);
  });

  it('the worker refuses the request unless GLIDEPATH_ALLOW_LINK_LOCAL_HTTP is set', async () => {
    delete process.env.GLIDEPATH_ALLOW_LINK_LOCAL_HTTP;
    const provider = HttpProviderSchema.parse({ type: 'http', url: 'http://169.254.169.254/latest/meta-data/', timeout: '200ms' });
    await expect(measureHttp(provider, {})).rejects.toThrow(/refused to GET .*GLIDEPATH_ALLOW_LINK_LOCAL_HTTP=true/);
  });
});
