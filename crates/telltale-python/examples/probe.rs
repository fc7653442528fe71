use ruff_python_parser::{parse_unchecked, ParseOptions, Mode};
use ruff_python_ast::{Mod, Stmt};
use ruff_text_size::Ranged;
fn main() {
    let p = std::env::args().nth(1).unwrap();
    let src = std::fs::read_to_string(&p).unwrap();
    let parsed = parse_unchecked(&src, ParseOptions::from(Mode::Module));
    for e in parsed.errors().iter().take(10) { println!("ERR {:?} {}", e.location, e.error); }
    if let Mod::Module(m) = parsed.syntax() {
        fn show(stmts: &[Stmt], src: &str, ind: usize) {
            for s in stmts {
                let r = s.range();
                let t: String = src[r.start().to_usize()..r.end().to_usize()].chars().take(60).collect::<String>().replace('\n', "⏎");
                println!("{}{}", " ".repeat(ind), t);
                if let Stmt::Try(t) = s { show(&t.body, src, ind+2); for h in &t.handlers { let ruff_python_ast::ExceptHandler::ExceptHandler(h) = h; show(&h.body, src, ind+4);} }
            }
        }
        show(&m.body, &src, 0);
    }
}
