//! The execution scratchpad of one action: an overlay over the state, the block, and the events
//! emitted so far. Dropping it discards everything, which is how failed actions change nothing.

use crate::context::BlockContext;
use crate::event::Event;
use crate::state::{Changes, Overlay, StateRead};

/// One action's view of the world while it runs.
pub struct Exec<'a> {
    /// Reads see earlier writes of the same action; nothing reaches the base until commit.
    pub state: Overlay<'a, dyn StateRead + 'a>,
    /// The block the action executes in.
    pub block: BlockContext,
    events: Vec<Event>,
}

impl<'a> Exec<'a> {
    /// Starts an action over `base`.
    pub fn new(base: &'a (dyn StateRead + 'a), block: BlockContext) -> Self {
        Self {
            state: Overlay::new(base),
            block,
            events: Vec::new(),
        }
    }

    /// Records an event; it is published only if the action succeeds.
    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    /// The events recorded so far.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Ends the action successfully: its writes and events.
    pub fn finish(self) -> (Changes, Vec<Event>) {
        (self.state.into_changes(), self.events)
    }
}
