fn main() {
    let p = std::env::args().nth(1).unwrap();
    let src = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
    let f = telltale_python::analyze(&p, &src, &Default::default());
    println!("{}", serde_json::to_string_pretty(&f).unwrap());
}
