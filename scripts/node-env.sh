# Puts the official Node.js build of a given major first on PATH, installing it from the npm registry when it is
# missing (the `node-<os>-<arch>` packages carry the binary and its C headers). For machines whose Node is too old
# (Node 20 is past end of life) and which reach the npm registry but not nodejs.org.
#
#   source scripts/node-env.sh        # the project's Node (.nvmrc: 24)
#   source scripts/node-env.sh 26     # another major, e.g. to run the suites on Node 26
#   eval "$(bash scripts/node-env.sh)"  # the same, from a shell that cannot source
#
# It also sets npm_config_nodedir to that build's headers, so native addons (better-sqlite3) compile against it
# with nothing downloaded. Builds live in ${PORTAL_NODE_HOME:-~/.cache/portal-api/node}/<major>; remove that
# folder (or pass --update) to take the newest release of the major.
# Needs only a working `npm` (any version that can install packages) on PATH.

portal_node_env() {
  local update=0 major=""
  local arg
  for arg in "$@"; do
    case "$arg" in
      --update) update=1 ;;
      *) major="$arg" ;;
    esac
  done
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
  if [ -z "$major" ]; then major="$(tr -d ' \nv' < "$root/.nvmrc")"; fi
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "node-env: unsupported OS $(uname -s)" >&2; return 1 ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) echo "node-env: unsupported CPU $(uname -m)" >&2; return 1 ;; esac
  local home="${PORTAL_NODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/portal-api/node}/$major"
  local pkg="$home/node_modules/node-$os-$arch"
  if [ "$update" = 1 ] || [ ! -x "$pkg/bin/node" ]; then
    echo "node-env: installing node-$os-$arch@$major from the npm registry into $home" >&2
    mkdir -p "$home" || return 1
    # --ignore-scripts: the package's own install script only fetches what the tarball already holds.
    npm install --prefix "$home" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error "node-$os-$arch@$major" >&2 || return 1
  fi
  export PATH="$pkg/bin:$PATH"
  export npm_config_nodedir="$pkg"
  echo "node-env: $("$pkg/bin/node" --version) ($pkg/bin/node), native addons build against its headers" >&2
  printf 'export PATH=%q\nexport npm_config_nodedir=%q\n' "$PATH" "$npm_config_nodedir"
}

if (return 0 2>/dev/null); then
  portal_node_env "$@" >/dev/null
else
  portal_node_env "$@"
fi
