import { h } from './h.js';
import type { JsonSchema } from './types.js';

/** A form field: its element, and how to read its value (throws an Error naming the field when it is not valid). */
export interface Field {
  readonly element: HTMLElement;
  /** The value, or undefined for an optional field left empty. */
  read(): unknown;
}

const typeOf = (schema: JsonSchema): string | undefined => {
  if (Array.isArray(schema.type)) return (schema.type as string[]).find((type) => type !== 'null');
  if (typeof schema.type === 'string') return schema.type;
  if (schema.properties !== undefined) return 'object';
  if (schema.enum !== undefined) return 'enum';
  return undefined;
};

/** JSON typed by hand: for schemas the form does not draw (unions, records, arrays of objects …) or no schema at all. */
function jsonField(name: string, schema: JsonSchema | undefined, required: boolean): Field {
  const area = h('textarea', {
    class: 'json',
    rows: 4,
    spellcheck: false,
    name,
    placeholder: schema === undefined ? 'JSON' : `JSON${schema.type === undefined ? '' : ` (${String(schema.type)})`}`,
  }) as HTMLTextAreaElement;
  if (schema?.default !== undefined) area.value = JSON.stringify(schema.default, null, 2);
  return {
    element: area,
    read() {
      if (area.value.trim() === '') {
        if (required) throw new Error(`${name || 'The answer'} is required.`);
        return undefined;
      }
      try {
        return JSON.parse(area.value) as unknown;
      } catch (error) {
        throw new Error(`${name || 'The answer'} is not valid JSON: ${(error as Error).message}`);
      }
    },
  };
}

/** A field for one schema; objects become a group of fields, one per property. */
export function fieldFor(name: string, schema: JsonSchema | undefined, required: boolean): Field {
  if (schema === undefined) return jsonField(name, schema, required);
  const type = typeOf(schema);
  const label = name === '' ? '' : name;
  if (type === 'object' && schema.properties !== undefined) {
    const fields = Object.entries(schema.properties).map(([key, property]) => {
      const needed = schema.required?.includes(key) ?? false;
      const field = fieldFor(key, property, needed);
      const row = h(
        'label',
        { class: `field${typeOf(property) === 'boolean' ? ' inline' : ''}` },
        h('span', { class: 'field-name' }, key, needed ? h('b', { class: 'required', title: 'required' }, ' *') : null),
        field.element,
        property.description === undefined ? null : h('small', null, property.description),
      );
      return { key, field, row };
    });
    return {
      element: h(
        'div',
        { class: 'fields' },
        fields.map((entry) => entry.row),
      ),
      read() {
        const value: Record<string, unknown> = {};
        for (const { key, field } of fields) {
          const item = field.read();
          if (item !== undefined) value[key] = item;
        }
        return value;
      },
    };
  }
  if (schema.enum !== undefined && schema.enum.every((option) => typeof option === 'string' || typeof option === 'number')) {
    const select = h(
      'select',
      { name: label },
      required ? null : h('option', { value: '' }, '—'),
      schema.enum.map((option, index) => h('option', { value: String(index) }, String(option))),
    ) as HTMLSelectElement;
    return { element: select, read: () => (select.value === '' ? undefined : schema.enum?.[Number(select.value)]) };
  }
  if (type === 'boolean') {
    const box = h('input', { type: 'checkbox', name: label, checked: schema.default === true }) as HTMLInputElement;
    return { element: box, read: () => box.checked };
  }
  if (type === 'number' || type === 'integer') {
    const input = h('input', {
      type: 'number',
      name: label,
      step: type === 'integer' ? '1' : 'any',
      ...(schema.minimum === undefined ? {} : { min: String(schema.minimum) }),
      ...(schema.maximum === undefined ? {} : { max: String(schema.maximum) }),
    }) as HTMLInputElement;
    if (typeof schema.default === 'number') input.value = String(schema.default);
    return {
      element: input,
      read() {
        if (input.value === '') {
          if (required) throw new Error(`${label} is required.`);
          return undefined;
        }
        const value = Number(input.value);
        if (!Number.isFinite(value) || (type === 'integer' && !Number.isInteger(value)))
          throw new Error(`${label} must be ${type === 'integer' ? 'a whole number' : 'a number'}.`);
        return value;
      },
    };
  }
  if (type === 'string') {
    const input = h('input', { type: 'text', name: label, autocomplete: 'off' }) as HTMLInputElement;
    if (typeof schema.default === 'string') input.value = schema.default;
    return {
      element: input,
      read() {
        if (input.value === '' && !required) return undefined;
        return input.value;
      },
    };
  }
  if (type === 'array' && schema.items !== undefined && (typeOf(schema.items) === 'string' || typeOf(schema.items) === 'number')) {
    const input = h('input', { type: 'text', name: label, placeholder: 'comma-separated' }) as HTMLInputElement;
    const numeric = typeOf(schema.items) === 'number';
    return {
      element: input,
      read() {
        if (input.value.trim() === '') return required ? [] : undefined;
        const parts = input.value.split(',').map((part) => part.trim());
        return numeric ? parts.map(Number) : parts;
      },
    };
  }
  return jsonField(label, schema, required);
}

/** A form for a schema with a submit button; `submit` gets the value once every field reads. */
export function schemaForm(schema: JsonSchema | undefined, submitLabel: string, submit: (value: unknown) => Promise<void>): HTMLFormElement {
  const field = fieldFor('', schema, true);
  const message = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, submitLabel) as HTMLButtonElement;
  const form = h('form', { class: 'schema-form' }, field.element, h('div', { class: 'actions' }, button), message) as HTMLFormElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    message.textContent = '';
    let value: unknown;
    try {
      value = field.read();
    } catch (error) {
      message.textContent = (error as Error).message;
      return;
    }
    button.disabled = true;
    submit(value).then(
      () => {
        button.disabled = false;
      },
      (error: unknown) => {
        button.disabled = false;
        message.textContent = error instanceof Error ? error.message : String(error);
      },
    );
  });
  return form;
}
