# Sourced by the benchmark scripts: real packages fetched once with `npm pack` into
# bench/cache (not committed), never run.
cache=bench/cache
mkdir -p "$cache"
fetch() { # spec file-inside-package → the file's path
  local spec=$1 inner=$2 dir="$cache/${1//[\/@]/_}"
  if [ ! -f "$dir/$inner" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
  fi
  echo "$dir/$inner"
}
