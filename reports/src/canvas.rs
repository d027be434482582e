//! Where pictures are drawn: a PNG (pixels, text rasterised here from the
//! embedded DejaVu fonts) or an SVG (vector, text kept as text in the
//! `sans-serif` and `monospace` families).
//!
//! A picture implements [`Draw`] once, generic over the plotters backend;
//! [`render`] picks the backend for a [`Format`]. For PNG the bitmap backend
//! is wrapped in [`GlyphBitmap`], which draws every piece of text (captions,
//! ticks, legends, labels) with [`crate::glyphs`]: glyphs placed on the
//! baseline by their advance, kerning and side bearings. plotters' own
//! ab_glyph path drops the left side bearing, so narrow letters drift into
//! their neighbours ("client" read as "dient").

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
    FontTransform,
};

use crate::glyphs::{self, Face};
use crate::plot::{PlotError, encode_rgb, err, fonts};

/// The file format of a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A PNG image.
    Png,
    /// An SVG document with text as text.
    Svg,
}

impl Format {
    /// The file name extension (`png`, `svg`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// A picture that can be drawn on any plotters backend.
pub trait Draw {
    /// Size in pixels.
    fn size(&self) -> (u32, u32);

    /// Draws onto `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// The bytes of `picture` in `format`.
pub fn render(picture: &impl Draw, format: Format) -> Result<Vec<u8>, PlotError> {
    fonts();
    let (w, h) = picture.size();
    match format {
        Format::Png => {
            let mut buf = vec![0u8; (w as usize) * (h as usize) * 3];
            {
                let backend = GlyphBitmap(BitMapBackend::with_buffer(&mut buf, (w, h)));
                let root = backend.into_drawing_area();
                root.fill(&WHITE).map_err(err)?;
                picture.draw(&root)?;
                root.present().map_err(err)?;
            }
            encode_rgb(buf, w, h)
        }
        Format::Svg => {
            let mut s = String::new();
            {
                let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
                root.fill(&WHITE).map_err(err)?;
                picture.draw(&root)?;
                root.present().map_err(err)?;
            }
            Ok(s.into_bytes())
        }
    }
}

/// The face for a plotters text style.
fn face_of<S: BackendTextStyle>(style: &S) -> Face {
    let bold = matches!(style.style(), FontStyle::Bold);
    if style.family().as_str() == "monospace" {
        Face::Mono
    } else if bold {
        Face::Bold
    } else {
        Face::Regular
    }
}

/// The bitmap backend with text drawn by [`crate::glyphs`].
pub struct GlyphBitmap<'a>(pub BitMapBackend<'a>);

impl DrawingBackend for GlyphBitmap<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let face = face_of(style);
        let size = style.size() as f32;
        let width = glyphs::width_in(face, text, size);
        let height = glyphs::line_height(face, size);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Right => -width,
            HPos::Center => -width / 2.0,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        let mut result = Ok(());
        glyphs::raster(face, text, size, dx, dy, |x, y, cov| {
            if result.is_err() {
                return;
            }
            let (x, y) = match trans {
                FontTransform::None => (x, y),
                FontTransform::Rotate90 => (-y, x),
                FontTransform::Rotate180 => (-x, -y),
                FontTransform::Rotate270 => (y, -x),
            };
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                let c = BackendColor {
                    alpha: color.alpha * f64::from(cov),
                    rgb: color.rgb,
                };
                result = self.0.draw_pixel((x, y), c);
            }
        });
        result
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let face = face_of(style);
        let size = style.size() as f32;
        Ok((
            glyphs::width_in(face, text, size).ceil() as u32,
            glyphs::line_height(face, size).ceil() as u32,
        ))
    }
}

/// A text style in the `sans-serif` family.
pub fn sans(size: f64) -> TextStyle<'static> {
    ("sans-serif", size).into_font().into()
}

/// A bold text style in the `sans-serif` family.
pub fn sans_bold(size: f64) -> TextStyle<'static> {
    ("sans-serif", size, FontStyle::Bold).into_font().into()
}

/// Draws `text` with its top-left corner at `(x, y)`.
pub fn text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: f64,
    y: f64,
    style: &TextStyle<'_>,
    colour: RGBColor,
    s: &str,
) -> Result<(), PlotError> {
    root.draw(&Text::new(
        s.to_string(),
        (x.round() as i32, y.round() as i32),
        style.clone().color(&colour),
    ))
    .map_err(err)
}
