exports.mirrors = require('./package.json').mirrors;
exports.MirrorConfig = require('./lib/mirror_config').MirrorConfig;
