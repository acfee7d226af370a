//! A seat layout as the operator writes it (DESIGN 4a), turned into seats.
//! Pure: no database, no clock. `classes` maps one uppercase letter to a
//! class name; `rows` are strings from the screen backwards, labelled `A`,
//! `B`, …; each character is a seat of its letter's class or `_` for an aisle
//! or empty cell. Seats are numbered from 1 left to right within their row,
//! skipping gaps; a `couple` seat is one letter that takes two grid columns
//! (as the demo seed lays them out).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::FieldError;

pub const MAX_ROWS: usize = 26;
pub const MAX_CELLS: usize = 100;
pub const MAX_SEATS: usize = 2000;
/// The class drawn two cells wide.
pub const COUPLE: &str = "couple";

/// One seat a layout makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Seat {
    /// Row label and number, like `C5`.
    pub id: String,
    pub row: String,
    pub number: i64,
    pub class: String,
    /// From 0 at the screen.
    pub grid_row: i64,
    /// From 0 at the left; a couple seat takes this column and the next.
    pub grid_col: i64,
}

fn is_class_name(name: &str) -> bool {
    (1..=20).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase())
}

/// The seats of a layout, or every problem with it (field like `rows[2][7]`,
/// rows and columns counted from 0 as in the JSON the operator sent).
pub fn parse(
    classes: &BTreeMap<String, String>,
    rows: &[String],
) -> Result<Vec<Seat>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut letters: BTreeMap<char, &str> = BTreeMap::new();
    for (letter, class) in classes {
        let mut chars = letter.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_uppercase() => {
                letters.insert(c, class.as_str());
            }
            _ => errors.push(FieldError::new(
                format!("classes.{letter}"),
                "a class letter must be one uppercase letter A to Z",
            )),
        }
        if !is_class_name(class) {
            errors.push(FieldError::new(
                format!("classes.{letter}"),
                "a class name must be a lowercase word of 1 to 20 letters a to z",
            ));
        }
    }
    if rows.is_empty() {
        errors.push(FieldError::new("rows", "a layout needs at least one row"));
    }
    if rows.len() > MAX_ROWS {
        errors.push(FieldError::new(
            format!("rows[{MAX_ROWS}]"),
            format!("at most {MAX_ROWS} rows (A to Z)"),
        ));
    }
    let mut seats = Vec::new();
    for (r, (text, label)) in rows.iter().zip('A'..='Z').enumerate() {
        let cells = text.chars().count();
        if cells > MAX_CELLS {
            errors.push(FieldError::new(
                format!("rows[{r}][{MAX_CELLS}]"),
                format!("a row is at most {MAX_CELLS} cells long"),
            ));
            continue;
        }
        let mut number = 0;
        let mut grid_col = 0;
        for (c, cell) in text.chars().enumerate() {
            if cell == '_' {
                grid_col += 1;
                continue;
            }
            let Some(class) = letters.get(&cell) else {
                errors.push(FieldError::new(
                    format!("rows[{r}][{c}]"),
                    format!("letter {cell} is not in classes"),
                ));
                grid_col += 1;
                continue;
            };
            number += 1;
            seats.push(Seat {
                id: format!("{label}{number}"),
                row: label.to_string(),
                number,
                class: (*class).to_string(),
                grid_row: r as i64,
                grid_col,
            });
            grid_col += if *class == COUPLE { 2 } else { 1 };
        }
        if number == 0
            && !errors
                .iter()
                .any(|e| e.field.starts_with(&format!("rows[{r}][")))
        {
            errors.push(FieldError::new(
                format!("rows[{r}]"),
                "a row needs at least one seat (an empty row or a row of only gaps)",
            ));
        }
    }
    if seats.len() > MAX_SEATS {
        errors.push(FieldError::new(
            "rows",
            format!("{} seats: at most {MAX_SEATS}", seats.len()),
        ));
    }
    if errors.is_empty() && seats.is_empty() {
        errors.push(FieldError::new("rows", "a layout needs at least one seat"));
    }
    if errors.is_empty() {
        Ok(seats)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(l, c)| (l.to_string(), c.to_string()))
            .collect()
    }

    fn rows(rows: &[&str]) -> Vec<String> {
        rows.iter().map(|r| r.to_string()).collect()
    }

    fn design() -> BTreeMap<String, String> {
        classes(&[
            ("R", "regular"),
            ("P", "premium"),
            ("C", "couple"),
            ("W", "wheelchair"),
        ])
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn the_design_example_makes_its_seats() {
        let seats = parse(
            &design(),
            &rows(&[
                "WRRR_RRRRRR_RRRW",
                "RRRR_RRRRRR_RRRR",
                "PPPP_PPPPPP_PPPP",
                "CCC__CCC",
            ]),
        )
        .unwrap();
        assert_eq!(seats.len(), 14 + 14 + 14 + 6);
        let a = |id: &str| seats.iter().find(|s| s.id == id).unwrap().clone();
        assert_eq!(
            (a("A1").class.as_str(), a("A1").grid_col),
            ("wheelchair", 0)
        );
        assert_eq!((a("A5").grid_col, a("A5").number), (5, 5));
        assert_eq!(a("A14").class, "wheelchair");
        assert_eq!(a("A14").grid_col, 15);
        assert_eq!(a("C1").class, "premium");
        // Couple seats are two columns wide; the gap of two cells follows.
        let d: Vec<i64> = seats
            .iter()
            .filter(|s| s.row == "D")
            .map(|s| s.grid_col)
            .collect();
        assert_eq!(d, vec![0, 2, 4, 8, 10, 12]);
        assert_eq!(a("D4").grid_row, 3);
    }

    #[test]
    fn an_unknown_letter_is_named_by_row_and_column() {
        let errors = parse(&design(), &rows(&["RRR", "RRXR"])).unwrap_err();
        assert_eq!(fields(errors.clone()), vec!["rows[1][2]"]);
        assert!(errors[0].message.contains("letter X is not in classes"));
    }

    #[test]
    fn empty_rows_rows_of_gaps_and_no_rows_are_refused() {
        assert_eq!(
            fields(parse(&design(), &rows(&["RR", "", "___"])).unwrap_err()),
            vec!["rows[1]", "rows[2]"]
        );
        assert_eq!(fields(parse(&design(), &[]).unwrap_err()), vec!["rows"]);
    }

    #[test]
    fn limits_on_rows_cells_and_seats() {
        let many = vec!["R".to_string(); 27];
        assert!(fields(parse(&design(), &many).unwrap_err()).contains(&"rows[26]".to_string()));
        let long = vec!["R".repeat(101)];
        assert_eq!(
            fields(parse(&design(), &long).unwrap_err()),
            vec!["rows[0][100]"]
        );
        let full = vec!["R".repeat(100); 20];
        assert_eq!(parse(&design(), &full).unwrap().len(), 2000);
        let over = vec!["R".repeat(100); 21];
        assert_eq!(fields(parse(&design(), &over).unwrap_err()), vec!["rows"]);
    }

    #[test]
    fn class_letters_and_names_are_checked() {
        let bad = classes(&[
            ("r", "regular"),
            ("RR", "premium"),
            ("P", "Premium"),
            ("Q", ""),
        ]);
        let errors = fields(parse(&bad, &rows(&["P"])).unwrap_err());
        assert_eq!(
            errors,
            vec!["classes.P", "classes.Q", "classes.RR", "classes.r"]
        );
    }
}
