// Rebuild when a migration is added or changed: they are embedded in the binary.
// The PostgreSQL halves of the HTTP tests are compiled as ignored unless
// CLAUSIER_TEST_POSTGRES_URL is set, so that the counts show them as ignored, not passed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo:rerun-if-env-changed=CLAUSIER_TEST_POSTGRES_URL");
    if std::env::var("CLAUSIER_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        println!("cargo:rustc-cfg=postgres_tests");
    }
}
