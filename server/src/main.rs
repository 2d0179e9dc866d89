fn main() {
    println!("linklens");
}
