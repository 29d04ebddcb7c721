# The README's two commands:
#   make demo   install, build, and run tiff-dumper on the embedded sample store
#   make test   install, build, and run the whole test suite (release + sanitizers + fuzzing)
.PHONY: demo test deps deps-test build build-asan unit bench format tidy clean

JOBS ?= $(shell nproc)

deps:
	scripts/install-deps.sh

deps-test:
	scripts/install-deps.sh --test

# A fresh build/release is configured without the tests (the demo needs only the tool); one that
# exists keeps its setting, so `make demo` after `make test` never leaves stale test binaries behind.
build: deps
	test -f build/release/CMakeCache.txt || cmake --preset release -DTDUMP_BUILD_TESTS=OFF >/dev/null
	cmake --build --preset release -j $(JOBS) --target tiff-dumper

demo: build
	scripts/demo.sh build/release/src/cli/tiff-dumper

test: deps-test
	cmake --preset release -DTDUMP_BUILD_TESTS=ON
	cmake --build --preset release -j $(JOBS)
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan
	ctest --preset release

bench: deps-test
	cmake --preset release -DTDUMP_BUILD_TESTS=ON
	cmake --build --preset release -j $(JOBS)
	scripts/bench.sh

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

tidy:
	cmake --preset release -DTDUMP_BUILD_TESTS=ON >/dev/null
	git ls-files 'src/*.cpp' | xargs clang-tidy -p build/release --quiet

clean:
	rm -rf build
