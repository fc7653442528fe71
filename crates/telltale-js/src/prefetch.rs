//! Software prefetch for the passes that come after the first walk.
//!
//! The AST of a large bundle (200 MB of arena for a 9 MB file) is far larger than the cache.
//! The collect walk reads it in order, but later passes (binding calls, the taint fixpoint,
//! guard and opt-out sites) jump to scattered nodes and then follow pointers from each: most of
//! their time is spent waiting on memory. They go through their tables in order, so the nodes
//! of an item a few places ahead are known; asking for them early overlaps those waits.
//! Measured on claude-code's cli.js: the fixpoint went from ~70 to ~57 ms.
//!
//! Prefetching is only a hint: it changes no result and never faults.

use crate::Analyzer;
use oxc_ast::ast::{Expression, IdentifierReference};
use oxc_semantic::SymbolId;

/// How far ahead each stage looks: the enum first, its node next, the node's first child,
/// then the reference entry of a named child, last the symbol's entries in our tables.
const AHEAD: [usize; 5] = [40, 32, 24, 16, 8];

/// Ask for the cache line at `p`.
#[inline(always)]
pub(crate) fn touch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` is a cache hint; it reads nothing and never faults, whatever the
    // address.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Where an expression's node lives (the box behind the enum); reads only the enum.
fn node(e: &Expression) -> *const u8 {
    match e {
        Expression::Identifier(b) => std::ptr::from_ref(&**b).cast(),
        Expression::StaticMemberExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::ComputedMemberExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::CallExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::NewExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::BinaryExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::LogicalExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::UnaryExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::ConditionalExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::ObjectExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::ArrayExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::TemplateLiteral(b) => std::ptr::from_ref(&**b).cast(),
        Expression::ChainExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::AwaitExpression(b) => std::ptr::from_ref(&**b).cast(),
        Expression::ParenthesizedExpression(b) => std::ptr::from_ref(&**b).cast(),
        _ => std::ptr::from_ref(e).cast(),
    }
}

/// The child every pass reads first: a member's object, a call's callee, an operator's left
/// side. Reads the node, which the previous stage brought in.
fn first_child<'e, 'a>(e: &'e Expression<'a>) -> Option<&'e Expression<'a>> {
    match e {
        Expression::StaticMemberExpression(m) => Some(&m.object),
        Expression::ComputedMemberExpression(m) => Some(&m.object),
        Expression::CallExpression(c) => Some(&c.callee),
        Expression::NewExpression(c) => Some(&c.callee),
        Expression::BinaryExpression(b) => Some(&b.left),
        Expression::LogicalExpression(b) => Some(&b.left),
        Expression::UnaryExpression(u) => Some(&u.argument),
        Expression::AwaitExpression(a) => Some(&a.argument),
        Expression::ParenthesizedExpression(p) => Some(&p.expression),
        _ => None,
    }
}

/// Before working on `items[i]`, ask for the expressions of the items a little ahead.
/// `expr_of` names the expression a pass reads first for an item.
#[inline]
pub(crate) fn ahead<'x, 'a: 'x, T>(
    items: &'x [T],
    i: usize,
    an: &Analyzer<'a>,
    expr_of: impl Fn(&'x T) -> Option<&'x Expression<'a>>,
) {
    if let Some(e) = items.get(i + AHEAD[0]).and_then(&expr_of) {
        touch(std::ptr::from_ref(e));
    }
    if let Some(e) = items.get(i + AHEAD[1]).and_then(&expr_of) {
        touch(node(e));
    }
    if let Some(child) = items
        .get(i + AHEAD[2])
        .and_then(&expr_of)
        .and_then(first_child)
    {
        touch(node(child));
    }
    // The reference entry of an identifier, itself or as the first child (`a.b`, `f(x)`).
    if let Some(r) = items
        .get(i + AHEAD[3])
        .and_then(&expr_of)
        .and_then(named)
        .and_then(|id| id.reference_id.get())
    {
        touch(std::ptr::from_ref(an.scoping.get_reference(r)));
    }
    // What the passes look up for that symbol: its path, its init, its whole-object node.
    if let Some(sym) = items
        .get(i + AHEAD[4])
        .and_then(&expr_of)
        .and_then(named)
        .and_then(|id| an.symbol_of(id))
    {
        symbol(an, sym);
    }
}

/// Ask for what the passes look up for a symbol: its path, its init, its whole-object node.
#[inline]
pub(crate) fn symbol(an: &Analyzer<'_>, sym: SymbolId) {
    touch(an.path_memo.borrow().slot(sym));
    touch(an.inits.slot(sym));
    touch(an.fields.whole.slot(sym));
}

/// How far ahead [`symbol`] is asked for, for items that name their symbol directly.
pub(crate) const SYMBOL_AHEAD: usize = AHEAD[4];

/// How far ahead a list an item points to (a call's arguments) is asked for.
pub(crate) const LIST_AHEAD: usize = AHEAD[3];

/// The identifier an expression is or starts with.
fn named<'x, 'a>(e: &'x Expression<'a>) -> Option<&'x IdentifierReference<'a>> {
    match e {
        Expression::Identifier(id) => Some(id),
        _ => match first_child(e) {
            Some(Expression::Identifier(id)) => Some(id),
            _ => None,
        },
    }
}

/// The expression a guard or opt-out site is decided by; an address, not a read.
pub(crate) fn site_expression<'x, 'a>(
    site: &'x crate::guards::GuardSite<'a>,
) -> Option<&'x Expression<'a>> {
    match *site {
        crate::guards::GuardSite::EarlyExit(ifs, _) | crate::guards::GuardSite::If(ifs) => {
            Some(&ifs.test)
        }
        crate::guards::GuardSite::Expr(e) => Some(e),
        crate::guards::GuardSite::Switch(s) => Some(&s.discriminant),
    }
}
