# The README's two commands. Both install what is missing first.
#   make demo   build Release and run Vigil's main job
#   make test   build with assertions and run every default test suite, then
#               compile every target with Debian's default compiler (GCC 12)
.PHONY: demo test deps format-check gcc gcc-plain

JOBS ?= $(shell nproc)

deps:
	@bash tools/setup-deps.sh

demo: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@bash tools/demo.sh build/release

test: deps
	@cmake --preset ci >/dev/null
	@cmake --build --preset ci -j $(JOBS)
	@bash tools/format-check.sh
	@ctest --preset ci
	@$(MAKE) --no-print-directory gcc-plain

# What a deployer types, `cmake -S . -B build && cmake --build build`, with
# Debian's default compiler (GCC 12), CUDA where nvcc is, no build type
# (no optimisation: the cheapest full compile), warnings as errors so GCC-only
# warnings cannot creep in; then the Ed25519 and SHA-2 vectors through every
# CPU engine of the GCC build, so both compilers give the same verdicts.
gcc-plain:
	@cmake -S . -B build/plain -DVIGIL_WERROR=ON >/dev/null
	@cmake --build build/plain -j $(JOBS)
	@ctest --test-dir build/plain -R '^(ed25519_vectors_test|sha2_test)[.]' -j $(JOBS) --output-on-failure

# The GCC 12 preset (warnings are errors; -O0, no debug info, no CUDA) for
# running every test under GCC: `make gcc && ctest --preset gcc`.
gcc:
	@cmake --preset gcc >/dev/null
	@cmake --build --preset gcc -j $(JOBS)

format-check:
	@bash tools/format-check.sh
