import { defaultGatewayUrl, resolveGatewayUrl } from '../../widgets/connection/gateway-url.js';
import { equal, throws } from './support/assert.js';

const page = 'https://shop.example.com/products/list.html';
const script = 'https://rt.example.com/static/rt.js';

describe('gateway URL', () => {
  it('defaults to /ws on the host that served the script (https → wss, http → ws)', () => {
    equal(defaultGatewayUrl('https://rt.example.com/static/rt.js'), 'wss://rt.example.com/ws');
    equal(defaultGatewayUrl('http://localhost:8080/rt.js'), 'ws://localhost:8080/ws');
    equal(resolveGatewayUrl(null, page, script), 'wss://rt.example.com/ws');
    equal(resolveGatewayUrl('  ', page, script), 'wss://rt.example.com/ws');
  });

  it('takes ws:// and wss:// URLs as they are', () => {
    equal(resolveGatewayUrl('wss://gw.example.com/socket?tenant=a', page, script), 'wss://gw.example.com/socket?tenant=a');
    equal(resolveGatewayUrl('ws://127.0.0.1:9000/ws', page, script), 'ws://127.0.0.1:9000/ws');
  });

  it('maps http(s):// to ws(s)://, adding /ws when the URL has no path', () => {
    equal(resolveGatewayUrl('https://gw.example.com', page, script), 'wss://gw.example.com/ws');
    equal(resolveGatewayUrl('http://gw.example.com:8080/', page, script), 'ws://gw.example.com:8080/ws');
    equal(resolveGatewayUrl('https://gw.example.com/custom/ws', page, script), 'wss://gw.example.com/custom/ws');
  });

  it('resolves a relative URL against the page', () => {
    equal(resolveGatewayUrl('/ws', page, script), 'wss://shop.example.com/ws');
    equal(resolveGatewayUrl('../gw/ws', page, script), 'wss://shop.example.com/gw/ws');
  });

  it('drops a fragment, which WebSocket would refuse', () => {
    equal(resolveGatewayUrl('wss://gw.example.com/ws#x', page, script), 'wss://gw.example.com/ws');
  });

  it('refuses unusable values with bad_gateway', () => {
    throws(() => resolveGatewayUrl('ftp://gw.example.com/ws', page, script), 'bad_gateway');
    throws(() => resolveGatewayUrl('http://', page, script), 'bad_gateway');
    throws(() => resolveGatewayUrl('mailto:ops@example.com', page, script), 'bad_gateway');
    throws(() => defaultGatewayUrl('blob:https://x/1'), 'bad_gateway');
    throws(() => defaultGatewayUrl('not a url'), 'bad_gateway');
  });
});
