import Mustache from 'mustache'
import { LAYOUT, REQUIRED_VARIABLES, type MailType } from './defaults.js'

// Templates are stored by operators and project admins, so they are few, but each distinct text
// would stay in mustache's parse cache for the life of the process: the cache is off.
Mustache.templateCache = undefined

/** A template as stored, or a default. */
export interface MailTemplateText {
  subject: string
  content: string
  useLayout: boolean
}

/** Values a mail's template may show. Absent and null values render as nothing. */
export type MailVariables = Record<string, string | null | undefined | readonly unknown[]>

export interface RenderedMail {
  subject: string
  html: string
  text: string
}

/**
 * Renders a mail. The body is the content (inside the layout, unless `useLayout` is false) with
 * every `{{value}}` HTML-escaped; the subject is plain text (a mail header, not HTML), so it is
 * not escaped, and line breaks a value might carry are turned into spaces. A plain-text part
 * is made from the HTML for mail readers that show no HTML.
 */
export function renderMail(template: MailTemplateText, variables: MailVariables): RenderedMail {
  // A function, so that `$&` or `$1` in a template stays as written.
  const body = template.useLayout ? LAYOUT.replace('{{{content}}}', () => template.content) : template.content
  const html = Mustache.render(body, variables)
  const subject = Mustache.render(template.subject, variables, undefined, { escape: (value: string) => value }).replace(/[\r\n\t]+/g, ' ').trim()
  return { subject, html, text: htmlToText(html) }
}

/** The names a template shows (`{{name}}`, `{{{name}}}`, `{{&name}}`), inside sections too; null if it does not parse. */
export function shownVariables(text: string): Set<string> | null {
  let tokens: unknown[]
  try {
    tokens = Mustache.parse(text)
  } catch {
    return null
  }
  const names = new Set<string>()
  const walk = (list: unknown[]) => {
    for (const token of list as [string, string, number, number, unknown[]?][]) {
      const [kind, name, , , children] = token
      if (kind === 'name' || kind === '&') names.add(name)
      if (Array.isArray(children)) walk(children)
    }
  }
  walk(tokens)
  return names
}

export type TemplateProblem = { kind: 'syntax'; message: string } | { kind: 'missing'; variables: readonly string[] }

/** Why a template cannot be stored for `type`: text mustache cannot parse, or a variable its mail needs is not shown. */
export function templateProblem(type: MailType, template: { subject: string; content: string }): TemplateProblem | null {
  for (const [part, text] of [['subject', template.subject], ['content', template.content]] as const) {
    try {
      Mustache.parse(text)
    } catch (error) {
      return { kind: 'syntax', message: `the ${part} is not a valid Mustache template: ${(error as Error).message}` }
    }
  }
  const shown = new Set([...shownVariables(template.subject)!, ...shownVariables(template.content)!])
  for (const group of REQUIRED_VARIABLES[type]) {
    if (!group.some((name) => shown.has(name))) return { kind: 'missing', variables: group }
  }
  return null
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", '#x2F': '/', '#x60': '`', '#x3D': '=', nbsp: ' ' }

/** A readable plain-text version of a mail's HTML: blocks on their own lines, links with their address. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(head|style|script)[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_, href: string, label: string) => {
      const text = label.replace(/<[^>]*>/g, '').trim()
      return text && text !== href ? `${text} (${href})` : href
    })
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr|table)>/gi, '\n')
    .replace(/<li[^>]*>/gi, '- ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#?\w+);/g, (whole, name: string) => ENTITIES[name] ?? whole)
    .split('\n').map((line) => line.replace(/[ \t]+/g, ' ').trim()).join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
