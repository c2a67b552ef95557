fn main() {
    std::fs::write("ui/src/bindings.ts", outpost_core::typescript::bindings()).unwrap();
}
