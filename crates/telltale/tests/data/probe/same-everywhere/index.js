// Test fixture for `telltale probe`: checks for an update and says thanks, the same way in
// every country. Its output includes the time, which differs between runs.
const https = require('https');
console.log('thanks for installing, ' + new Date().toISOString());
https.get('https://updates.example-tool.example/latest.json', (res) => res.resume()).on('error', () => {});
