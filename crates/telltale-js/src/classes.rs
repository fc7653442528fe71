//! Classes: what `this` is inside a class's methods, which method a call on `this` or on an
//! instance runs, and the instance's properties as fields.
//!
//! Bundled CLIs keep their telemetry in classes: a logger whose constructor stores an id
//! (`this.userId = this.generateUserId()`), a method that builds the payload from
//! `this.userId`, another that sends it. Without this, `this.x` was a global name, a method
//! call carried whatever its receiver and arguments carried, and the id never reached the
//! request.
//!
//! The model is one object per class: `this.k = v` in any method (and a class field `k = v`)
//! writes the field `k` of the class, and `this.k` reads it and the same field of the classes
//! it extends ([`crate::Fields`], keyed by the class's symbol). `this.m(…)` and `x.m(…)` where `x` is
//! `new C(…)` call the method `m` of `C` (or of a base class written in the file): its
//! parameters receive the arguments and the call returns what the method returns.
//!
//! Example: `class L { constructor() { this.id = os.hostname(); }
//! send() { fetch(u, { body: this.id }); } }` sends the host name.

use crate::{Analyzer, Node};
use oxc_ast::ast::*;
use oxc_semantic::SymbolId;
use rustc_hash::FxHashMap;

/// A class written in the file.
pub(crate) struct ClassInfo<'a> {
    /// The symbol its instance's fields are kept under ([`crate::Fields`]): the variable it
    /// is assigned to, else its own name.
    pub fields_of: SymbolId,
    /// Its methods by name (not static ones), as function indexes; the constructor as
    /// `constructor`.
    pub methods: FxHashMap<&'a str, usize>,
    /// The class it extends, when that is a class of the file.
    pub base: Option<usize>,
}

/// What a property of `this` was written with (`this.k = v` and class fields), per class and
/// key: one value, or several (`None`), for resolving `this.client.send()`.
pub(crate) type ThisWrites<'a> = FxHashMap<(usize, &'a str), Option<&'a Expression<'a>>>;

/// Classes nest only so deep in real code; the base chain is walked no further.
const MAX_BASES: usize = 8;

impl<'a> Analyzer<'a> {
    /// The class whose instance `this` is at a `this` expression (methods, class fields and
    /// the arrow functions inside them).
    pub(crate) fn this_class_at(&self, this: &ThisExpression) -> Option<usize> {
        self.this_class.get(&this.span.start).copied()
    }

    /// The class of the object an expression is: `this` in a method, a constant
    /// `x = new C(…)`, or `this.k` written only with `new C(…)`.
    pub(crate) fn instance_class(&self, e: &Expression<'a>) -> Option<usize> {
        match e.without_parentheses() {
            Expression::ThisExpression(t) => self.this_class_at(t),
            Expression::Identifier(id) => {
                let sym = self.symbol_of(id)?;
                if self.is_mutated(sym) {
                    return None;
                }
                match self.inits.get(&sym)? {
                    crate::Init::Expr(init) => self.constructed_class(init),
                    _ => None,
                }
            }
            Expression::StaticMemberExpression(m) => {
                let written = self.this_property(&m.object, m.property.name.as_str())?;
                self.constructed_class(written)
            }
            _ => None,
        }
    }

    /// The class `new C(…)` makes, when `C` is a class of the file.
    pub(crate) fn constructed_class(&self, e: &Expression<'a>) -> Option<usize> {
        let Expression::NewExpression(n) = e.without_parentheses() else {
            return None;
        };
        let Expression::Identifier(id) = n.callee.without_parentheses() else {
            return None;
        };
        self.class_by_symbol.get(&self.symbol_of(id)?).copied()
    }

    /// The one value `this.key` was written with, when `object` is `this` of a class.
    pub(crate) fn this_property(
        &self,
        object: &Expression<'a>,
        key: &'a str,
    ) -> Option<&'a Expression<'a>> {
        let Expression::ThisExpression(t) = object.without_parentheses() else {
            return None;
        };
        let mut c = self.this_class_at(t);
        for _ in 0..MAX_BASES {
            let class = c?;
            if let Some(written) = self.this_writes.get(&(class, key)) {
                return *written;
            }
            c = self.classes[class].base;
        }
        None
    }

    /// The method `name` of class `class` or of the classes it extends.
    pub(crate) fn method_of(&self, class: usize, name: &str) -> Option<usize> {
        let mut c = Some(class);
        for _ in 0..MAX_BASES {
            let info = &self.classes[c?];
            if let Some(&f) = info.methods.get(name) {
                return Some(f);
            }
            c = info.base;
        }
        None
    }

    /// The method a call's callee runs: `this.m` or `instance.m` of a class of the file.
    pub(crate) fn method_callee(&self, callee: &Expression<'a>) -> Option<usize> {
        let Expression::StaticMemberExpression(m) = callee.without_parentheses() else {
            return None;
        };
        let class = self.instance_class(&m.object)?;
        self.method_of(class, m.property.name.as_str())
    }

    /// The field nodes `this.key` reads, when `object` is `this` of a class (or an instance
    /// of it held in a constant): what the class
    /// writes there and what the classes it extends write (their constructors run first).
    /// Not what its subclasses write: each tool of a tool hierarchy keeps its own `params`.
    pub(crate) fn this_field(&self, object: &Expression<'a>, key: &str) -> Option<Vec<Node>> {
        // `this.k` in a method, or `x.k` of a constant `x = new C(…)`.
        let mut c = match object.without_parentheses() {
            Expression::ThisExpression(t) => Some(self.this_class_at(t)?),
            Expression::Identifier(_) if !self.classes.is_empty() => {
                Some(self.instance_class(object)?)
            }
            _ => return None,
        };
        let mut out = Vec::new();
        for _ in 0..MAX_BASES {
            let Some(class) = c else { break };
            let info = &self.classes[class];
            out.extend(self.fields.get(info.fields_of, key).map(Node::Field));
            c = info.base;
        }
        Some(out)
    }
}
