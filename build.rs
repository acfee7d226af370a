//! The web front end and the SQL migrations are compiled into the binary
//! (`include_dir!`): a file added to either folder must rebuild it too.
fn main() {
    println!("cargo:rerun-if-changed=web");
    println!("cargo:rerun-if-changed=sql");
}
