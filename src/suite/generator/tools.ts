// The everyday tool catalog: realistic declarations of the kind Needle targets. Formats are canonical
// ("HH:MM", YYYY-MM-DD, seconds, enums) so each query has a well-defined answer, while queries say
// them in words. Names mix snake_case, camelCase and dotted styles on purpose.
import type { ToolDef } from '../types.ts';

export interface CatalogTool {
  /** Everyday category (timers, alarms, ...), for coverage and stratification. */
  category: string;
  def: ToolDef;
  /** Tools that could plausibly serve this tool's requests: never offered as its "irrelevant" set. */
  overlaps?: string[];
}

const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'string', description, ...extra });
const int = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'integer', description, ...extra });
const num = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'number', description, ...extra });
const bool = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'boolean', description, ...extra });
const enm = (values: string[], description: string, extra: Record<string, unknown> = {}) =>
  ({ type: 'string', enum: values, description: `${description} One of: ${values.join(', ')}.`, ...extra });
const obj = (properties: Record<string, unknown>, required: string[]) =>
  ({ type: 'object', properties, required, additionalProperties: false });

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function tool(category: string, name: string, description: string, properties: Record<string, unknown>,
  required: string[], overlaps?: string[]): CatalogTool {
  return { category, def: { name, description, parameters: obj(properties, required) }, overlaps };
}

export const CATALOG: CatalogTool[] = [
  tool('timers', 'setTimer', 'Start a countdown timer.', {
    duration_seconds: int('Timer length in seconds.', { minimum: 1 }),
    label: str('Optional name for the timer.'),
  }, ['duration_seconds'], ['alarm.create', 'create_reminder']),
  tool('timers', 'timer.cancel', 'Cancel running timers.', {
    label: str('Name of the timer to cancel; omit to cancel all.'),
  }, []),
  tool('alarms', 'alarm.create', 'Set an alarm on the device.', {
    time: str('Alarm time, 24-hour HH:MM.', { pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
    label: str('Alarm label.'),
    repeat_days: { type: 'array', items: { type: 'string', enum: WEEKDAYS }, description: `Days to repeat on, lowercase weekday names. Default: no repeat.` },
  }, ['time'], ['setTimer', 'create_reminder']),
  tool('reminders', 'create_reminder', 'Create a reminder that notifies the user at a given time.', {
    text: str('What to remind about.'),
    time: str('Time, 24-hour HH:MM.', { pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
    date: str('Date YYYY-MM-DD; omit for today.', { format: 'date' }),
  }, ['text', 'time'], ['alarm.create', 'calendar.createEvent']),
  tool('calendar', 'calendar.createEvent', 'Add an event to the calendar.', {
    title: str('Event title.'),
    date: str('Date YYYY-MM-DD.', { format: 'date' }),
    start_time: str('Start time, 24-hour HH:MM.', { pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
    duration_minutes: int('Length in minutes.', { default: 60, minimum: 1 }),
    attendees: { type: 'array', items: { type: 'string' }, description: 'Names of people to invite.' },
  }, ['title', 'date', 'start_time'], ['create_reminder']),
  tool('calendar', 'getCalendarEvents', 'List calendar events on a date.', {
    date: str('Date YYYY-MM-DD.', { format: 'date' }),
  }, ['date']),
  tool('messaging', 'send_message', 'Send a text message to a contact.', {
    recipient: str('Contact name or phone number.'),
    message: str('Message text.'),
    app: enm(['sms', 'whatsapp', 'signal', 'telegram'], 'Messaging app.', { default: 'sms' }),
  }, ['recipient', 'message'], ['email.send']),
  tool('calls', 'phone.call', 'Place a phone call.', {
    contact: str('Contact name or phone number.'),
    speakerphone: bool('Turn on the speaker.', { default: false }),
  }, ['contact'], ['startVideoCall']),
  tool('calls', 'startVideoCall', 'Start a video call with a contact.', {
    contact: str('Contact name.'),
    cameraOn: bool('Start with the camera on.', { default: true }),
  }, ['contact'], ['phone.call']),
  tool('email', 'email.send', 'Send an email.', {
    to: str('Recipient email address.', { format: 'email' }),
    subject: str('Subject line.'),
    body: str('Email body text.'),
    cc: { type: 'array', items: { type: 'string' }, description: 'Email addresses to copy.' },
  }, ['to', 'subject', 'body'], ['send_message']),
  tool('navigation', 'get_directions', 'Get directions to a destination.', {
    destination: str('Place or address to go to.'),
    mode: enm(['driving', 'walking', 'transit', 'cycling'], 'Travel mode.', { default: 'driving' }),
    avoid_tolls: bool('Avoid toll roads.', { default: false }),
  }, ['destination'], ['ride.request']),
  tool('navigation', 'ride.request', 'Book a ride with a driver.', {
    pickup: str('Pickup address; omit for current location.'),
    dropoff: str('Destination address or place.'),
    ride_type: enm(['standard', 'xl', 'premium'], 'Type of car.', { default: 'standard' }),
  }, ['dropoff'], ['get_directions']),
  tool('weather', 'getWeather', 'Get the weather forecast for a city.', {
    city: str('City name.'),
    day: enm(['today', 'tomorrow'], 'Which day.', { default: 'today' }),
    units: enm(['celsius', 'fahrenheit'], 'Temperature units.', { default: 'celsius' }),
  }, ['city']),
  tool('music', 'play_music', 'Play music.', {
    song: str('Song title.'),
    artist: str('Artist name.'),
    genre: str('Music genre.'),
    shuffle: bool('Shuffle playback.', { default: false }),
  }, []),
  tool('music', 'media.setVolume', 'Set the media volume.', {
    level: int('Volume percent, 0 to 100.', { minimum: 0, maximum: 100 }),
  }, ['level'], ['setBrightness']),
  tool('music', 'media.control', 'Control playback.', {
    action: enm(['pause', 'resume', 'next', 'previous', 'stop'], 'Playback action.'),
  }, ['action']),
  tool('lights', 'smartHome.setLights', 'Turn lights on or off in a room and set brightness or color.', {
    room: str('Room name.'),
    power: enm(['on', 'off'], 'Power state.'),
    brightness: int('Brightness percent, 0 to 100.', { minimum: 0, maximum: 100 }),
    color: str('Light color name.'),
  }, ['room', 'power']),
  tool('thermostat', 'set_thermostat', 'Set the thermostat.', {
    temperature: num('Target temperature in degrees.'),
    mode: enm(['heat', 'cool', 'auto'], 'HVAC mode.', { default: 'auto' }),
    room: str('Room name; omit for the whole home.'),
  }, ['temperature']),
  tool('locks', 'smartHome.lock', 'Lock or unlock a door.', {
    door: str('Door name.'),
    locked: bool('true to lock, false to unlock.'),
  }, ['door', 'locked']),
  tool('notes', 'notes.create', 'Create a note.', {
    title: str('Note title.'),
    content: str('Note text.'),
    pinned: bool('Pin the note.', { default: false }),
  }, ['title', 'content']),
  tool('web search', 'web_search', 'Search the web.', {
    query: str('Search query.'),
    num_results: int('How many results.', { default: 5, minimum: 1, maximum: 20 }),
  }, ['query']),
  tool('device settings', 'device.toggleSetting', 'Turn a device setting on or off.', {
    setting: enm(['wifi', 'bluetooth', 'airplane_mode', 'do_not_disturb', 'flashlight', 'dark_mode', 'location'], 'Setting name.'),
    enabled: bool('true to turn on, false to turn off.'),
  }, ['setting', 'enabled']),
  tool('device settings', 'setBrightness', 'Set the screen brightness.', {
    level: int('Brightness percent, 0 to 100.', { minimum: 0, maximum: 100 }),
  }, ['level'], ['smartHome.setLights', 'media.setVolume']),
  tool('camera', 'camera.capture', 'Take a photo or start a video.', {
    mode: enm(['photo', 'video', 'portrait', 'panorama', 'night'], 'Camera mode.', { default: 'photo' }),
    front_camera: bool('Use the front camera.', { default: false }),
    timer_seconds: int('Self-timer delay in seconds.', { default: 0, minimum: 0 }),
  }, []),
  tool('shopping', 'shoppingList.add', 'Add items to the shopping list.', {
    items: {
      type: 'array', description: 'Items to add, each an object with name and quantity.',
      items: obj({ name: str('Item name.'), quantity: int('How many.', { minimum: 1, default: 1 }) }, ['name']),
    },
  }, ['items']),
  tool('translation', 'translate_text', 'Translate text into another language.', {
    text: str('Text to translate.'),
    target_language: str('Language to translate into, in English, e.g. German.'),
  }, ['text', 'target_language']),
  tool('contacts', 'contacts.add', 'Save a new contact.', {
    name: str('Full name.'),
    phone: str('Phone number with country code, digits only after +.'),
    favorite: bool('Mark as favorite.', { default: false }),
  }, ['name', 'phone']),
];

export function catalogTool(name: string): CatalogTool {
  const t = CATALOG.find((c) => c.def.name === name);
  if (!t) throw new Error(`generator: no tool named ${name} in the catalog`);
  return t;
}
