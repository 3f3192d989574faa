//! Aligned text tables: a header row, columns padded to their widest cell, two spaces apart,
//! no trailing blanks.

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A table being filled row by row.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names; a name starting with `>` is right-aligned (the `>` is
    /// not shown).
    pub fn new(columns: &[&str]) -> Table {
        let (header, align) = columns
            .iter()
            .map(|c| match c.strip_prefix('>') {
                Some(name) => (name.to_owned(), Align::Right),
                None => ((*c).to_owned(), Align::Left),
            })
            .unzip();
        Table {
            header,
            align,
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank, extra ones dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells = cells;
        cells.resize(self.header.len(), String::new());
        self.rows.push(cells);
    }

    /// True when no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text, one line per row, each ending in a newline.
    pub fn render(&self) -> String {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.header.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(cell));
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = " ".repeat(widths[i] - width(cell));
                match self.align[i] {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&pad);
                    }
                    Align::Right => {
                        line.push_str(&pad);
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(&["LOCK", "STATUS", ">N"]);
        t.row(vec!["fred".into(), "Locked".into(), "12".into()]);
        t.row(vec!["zkLockTest".into(), "Free".into(), "3".into()]);
        assert_eq!(
            t.render(),
            "LOCK        STATUS   N\nfred        Locked  12\nzkLockTest  Free     3\n"
        );
    }

    #[test]
    fn short_rows_are_padded_and_wide_chars_counted() {
        let mut t = Table::new(&["A", "B"]);
        t.row(vec!["ü".into()]);
        assert_eq!(t.render(), "A  B\nü\n");
    }
}
